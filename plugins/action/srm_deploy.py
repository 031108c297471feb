# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Controller side of srm_deploy: hash each module here, send only what the medium lacks.

1. Resolve ``srms`` on the controller with the module's own resolver (hashing each ``src``, or
   reusing an srm_build manifest when it is current).
2. Ask the module, in check mode and without any file, which modules the medium lacks.
3. Transfer just those to the managed host's temporary directory (streamed by the connection).
4. Run the module for real with the transferred paths.

With a local connection nothing is transferred: the module reads the files where they are.
"""

from __future__ import annotations

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError
from ansible_collections.rescuefleet.media.plugins.module_utils._srm import wanted as wanted_modules

MODULE = 'rescuefleet.media.srm_deploy'


def without_src(srms):
    return [{k: v for k, v in item.items() if k != 'src'} for item in srms]


class ActionModule(ActionBase):

    TRANSFERS_FILES = True

    def _locate(self, src):
        try:
            return self._find_needle('files', src)
        except AnsibleError as exc:
            raise wanted_modules.WantedError('cannot find src %s on the controller: %s' % (src, to_text(exc))) from exc

    def _run_module(self, args, task_vars, check_mode=None):
        saved = self._task.check_mode
        if check_mode is not None:
            self._task.check_mode = check_mode
        try:
            return self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars)
        finally:
            self._task.check_mode = saved

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        try:
            remote_src = boolean(args.get('remote_src', False), strict=True)
        except TypeError:
            remote_src = False  # not a boolean: the module's argument check reports it
        if remote_src or args.get('state', 'present') == 'absent':
            result.update(self._run_module(args, task_vars))
            return result
        local = self._connection.transport == 'local'
        try:
            # a local run hashes while it copies; a remote one needs every sha256 to ask what is missing
            allow = boolean(args.get('allow_non_squashfs', False), strict=True)
            srms = wanted_modules.resolve(args.get('srms'), hash_sources=not local, locate=self._locate,
                                          allow_non_squashfs=allow)
        except TypeError:
            result.update(failed=True, msg='srm_deploy: allow_non_squashfs must be a boolean')
            return result
        except RescueFleetError as exc:
            result.update(failed=True, msg='srm_deploy: %s' % exc)
            return result
        if local:
            result.update(self._run_module(dict(args, srms=srms, remote_src=True), task_vars))
            return result

        plan = self._run_module(dict(args, srms=without_src(srms)), task_vars, check_mode=True)
        if plan.get('failed') or self._task.check_mode or not plan.get('changed'):
            # nothing to change, or only a prediction wanted: the planning run's answer is the answer
            # (one round trip on a no-op)
            result.update(plan)
            return result
        needed = {a['name'] for a in plan.get('actions', []) if a['action'] in ('add', 'replace')}
        final = without_src(srms)
        try:
            if needed:
                self._make_tmp_path()
            for entry, source in zip(final, srms):
                if entry['name'] in needed:
                    remote = self._connection._shell.join_path(self._connection._shell.tmpdir, entry['name'])
                    self._transfer_file(source['src'], remote)
                    self._fixup_perms2((self._connection._shell.tmpdir, remote))
                    entry['src'] = remote
            result.update(self._run_module(dict(args, srms=final, remote_src=True), task_vars))
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result
