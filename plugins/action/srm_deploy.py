# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Controller side of srm_deploy: hash each module here, send only what the medium lacks.

1. Hash every ``srms[].src`` on the controller (reusing an srm_build manifest when it is current).
2. Ask the module, in check mode and without any file, which modules the medium lacks.
3. Transfer just those to the managed host's temporary directory (streamed by the connection).
4. Run the module for real with the transferred paths.

With a local connection nothing is transferred: the module reads the files where they are.
"""

from __future__ import annotations

import os

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

from ansible_collections.rescuefleet.media.plugins.module_utils._srm.manifest import cached_sha256, known_sha256

MODULE = 'rescuefleet.media.srm_deploy'


class ActionModule(ActionBase):

    TRANSFERS_FILES = True

    def _local_modules(self, srms, hash_now=True):
        resolved = []
        for item in srms:
            item = dict(item)
            if item.get('src'):
                try:
                    local = self._find_needle('files', item['src'])
                except AnsibleError as exc:
                    raise AnsibleError('srm_deploy: cannot find src %s on the controller: %s'
                                       % (item['src'], to_text(exc)))
                try:
                    if hash_now:
                        sha, size = known_sha256(local)
                    else:  # the module hashes it while copying, or when it must compare
                        sha, size = cached_sha256(local), os.stat(local).st_size
                except OSError as exc:
                    raise AnsibleError('srm_deploy: cannot read src %s: %s' % (local, exc.strerror))
                item['name'] = item.get('name') or os.path.basename(item['src'])
                item.update(src=local, sha256=sha, size=size)
            resolved.append(item)
        return resolved

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
        if args.get('remote_src') or args.get('state', 'present') == 'absent' or not isinstance(args.get('srms'), list):
            result.update(self._run_module(args, task_vars))
            return result
        local = self._connection.transport == 'local'
        try:
            srms = self._local_modules(args['srms'], hash_now=not local)
        except AnsibleError as exc:
            result.update(failed=True, msg=to_text(exc))
            return result

        if local:
            result.update(self._run_module(dict(args, srms=srms, remote_src=True), task_vars))
            return result

        by_name = {item['name']: item for item in srms if item.get('src')}
        plan_args = dict(args, srms=[{k: v for k, v in item.items() if k != 'src'} for item in srms])
        plan = self._run_module(plan_args, task_vars, check_mode=True)
        if plan.get('failed') or self._task.check_mode or not (plan.get('actions') or plan.get('swept')):
            # nothing to change: the planning run's answer is the answer (one round trip on a no-op)
            result.update(plan)
            return result
        needed = [a['name'] for a in plan.get('actions', []) if a['action'] in ('add', 'replace')]
        final = [{k: v for k, v in item.items() if k != 'src'} for item in srms]
        try:
            if needed:
                self._make_tmp_path()
            for entry in final:
                if entry['name'] in needed and entry['name'] in by_name:
                    remote = self._connection._shell.join_path(self._connection._shell.tmpdir, entry['name'])
                    self._transfer_file(by_name[entry['name']]['src'], remote)
                    self._fixup_perms2((self._connection._shell.tmpdir, remote))
                    entry['src'] = remote
            result.update(self._run_module(dict(args, srms=final, remote_src=True), task_vars))
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result
