# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Controller side shared by srm_deploy and srm_load: hash modules here, send only what the host lacks.

1. Resolve the module list (option ``srms``) on the controller with the module's own resolver
   (hashing each ``src``, or reusing an srm_build manifest when it is current).
2. Ask the module, in check mode and without any file, which modules the host lacks (with the
   options of :meth:`SendMissingAction.planning_args`: it only needs the names).
3. Transfer just those to a private directory on the managed host (streamed by the connection): in
   Ansible's remote temporary directory, or in the directory :meth:`SendMissingAction.staging_dir`
   names (srm_load: ``/tmp``, which on SystemRescue is a tmpfs of its own, while ``~/.ansible/tmp``
   lies in the copy-on-write space that the loaded files fill).
4. Run the module for real with the transferred paths and ``remote_src: true``. When that run finds
   more modules to write than the planning run named (``missing_sources`` in its failure: a full
   verification found a module changed, or the host changed meanwhile), send those and run once more.

With a local connection nothing is transferred: the module reads the files where they are. The
result says which modules went over the wire (``transferred``), so a fleet can count them.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.wanted import WantedError


class StagingError(AnsibleError):
    """The private directory in ``staging_dir`` cannot be made on the managed host."""


def without_src(srms):
    return [{k: v for k, v in item.items() if k != 'src'} for item in srms]


class SendMissingAction(ActionBase):
    """Base of an action plugin whose module takes ``srms`` and ``remote_src``.

    A subclass sets ``MODULE`` (the module's FQCN) and implements :meth:`resolve` and :meth:`needed`;
    :meth:`direct` says when the arguments go to the module unchanged.
    """

    TRANSFERS_FILES = True
    MODULE = None

    def resolve(self, srms, hash_sources):
        """The entries of ``srms`` with ``name``, ``sha256``, ``size`` and ``src`` (a controller path, or
        ``None`` for an entry that is not sent, such as a URL the host fetches)."""
        raise NotImplementedError

    def needed(self, plan):
        """The names the planning run (check mode, no files) says the host lacks."""
        raise NotImplementedError

    def direct(self, args):
        """Whether the module gets ``args`` as they are (nothing on the controller to send)."""
        try:
            return boolean(args.get('remote_src', False), strict=True)
        except TypeError:
            return False  # not a boolean: the module's argument check reports it

    def _locate(self, src):
        try:
            return self._find_needle('files', src)
        except AnsibleError as exc:
            raise WantedError('cannot find src %s on the controller: %s' % (src, to_text(exc))) from exc

    def _run_module(self, args, task_vars, check_mode=None):
        saved = self._task.check_mode
        if check_mode is not None:
            self._task.check_mode = check_mode
        try:
            return self._execute_module(module_name=self.MODULE, module_args=args, task_vars=task_vars)
        finally:
            self._task.check_mode = saved

    def planning_args(self, args):
        """The module options of the planning run (check mode, no files): the task's by default."""
        return args

    def must_run(self, args):
        """Whether the real run is needed even when the planning run says nothing changes."""
        return False

    def real_args(self, args, plan):
        """The module options of the real run (after the planning run ``plan``): the task's by default."""
        return args

    def staging_dir(self, args):
        """The directory on the managed host that holds the private directory files are sent to, or ``None``
        for Ansible's remote temporary directory (``remote_tmp``)."""
        return None

    def _early_needs_tmp_path(self):
        # Ansible makes its remote temporary directory (remote_tmp) before run() for a plugin that transfers
        # files; with a staging directory, run() makes the task's private directory there instead
        return self.staging_dir(self._task.args) is None and super()._early_needs_tmp_path()

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        local = self._connection.transport == 'local'
        staging = None if local else self.staging_dir(args)
        sent = []
        try:
            if staging:
                # every file of the task (modules sent, and Ansible's own without pipelining) waits there
                self._make_staging_path(staging)
            result.update(self._run(args, task_vars, local, sent))
        except StagingError as exc:
            result.update(failed=True, msg='%s: %s' % (self.MODULE.rsplit('.', 1)[-1], to_text(exc)), transferred=sent)
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    def _run(self, args, task_vars, local, sent):
        """The result of the task (the flow of the module docstring); ``sent`` collects what was transferred."""
        if self.direct(args):
            return self._run_module(args, task_vars)
        try:
            # a local run hashes while it copies; a remote one needs every sha256 to ask what is missing
            srms = self.resolve(args.get('srms'), hash_sources=not local)
        except RescueFleetError as exc:
            return dict(failed=True, msg='%s: %s' % (self.MODULE.rsplit('.', 1)[-1], exc))
        if local:
            return dict(self._run_module(dict(args, srms=srms, remote_src=True), task_vars), transferred=[])

        planning = args if self._task.check_mode else self.planning_args(args)
        plan = self._run_module(dict(planning, srms=without_src(srms)), task_vars, check_mode=True)
        if plan.get('failed') or self._task.check_mode or not (plan.get('changed') or self.must_run(args)):
            # nothing to change, or only a prediction wanted: the planning run's answer is the answer
            # (one round trip on a no-op)
            return dict(plan, transferred=[])
        final = without_src(srms)
        real = self.real_args(args, plan)
        self._send(srms, final, self.needed(plan), sent)
        outcome = self._run_module(dict(real, srms=final, remote_src=True), task_vars)
        missing = set(outcome.get('missing_sources') or ()) if outcome.get('failed') else set()
        if missing and self._send(srms, final, missing, sent):
            outcome = self._run_module(dict(real, srms=final, remote_src=True), task_vars)
        return dict(outcome, transferred=sent)

    def _make_staging_path(self, staging):
        """A private directory (mode 0700) in ``staging`` on the managed host, made as Ansible makes its
        remote temporary directory and used as it (the files sent, and removed with it at the end)."""
        shell = self._connection._shell
        basefile = shell._generate_temp_dir_name()
        cmd = shell.mkdtemp(basefile=basefile, system=self._is_become_unprivileged(), mode=0o700, tmpdir=staging)
        result = self._low_level_execute_command(cmd, sudoable=False)
        path = result.get('stdout', '').strip().split('%s=' % basefile, 1)[-1].strip().splitlines()
        if result.get('rc') != 0 or not path or not path[-1].startswith('/') or path[-1] == '/':
            raise StagingError('cannot make a directory in staging_dir %s on the managed host (%s): give an existing '
                               'directory that the remote user may write to, such as /tmp'
                               % (staging, (result.get('stderr') or result.get('stdout') or '').strip() or 'no output'))
        shell.tmpdir = path[-1]
        self._cleanup_remote_tmp = True

    def _send(self, srms, final, names, sent):
        """Transfer the modules of ``names`` not sent yet into the task's private directory (made now when
        there is none yet); their entries of ``final`` get the remote path. Returns whether anything was sent."""
        todo = [(entry, source) for entry, source in zip(final, srms)
                if source.get('src') and entry['name'] in names and entry['name'] not in sent]
        if todo and not self._connection._shell.tmpdir:
            self._make_tmp_path()
        for entry, source in todo:
            remote = self._connection._shell.join_path(self._connection._shell.tmpdir, entry['name'])
            self._transfer_file(source['src'], remote)
            self._fixup_perms2((self._connection._shell.tmpdir, remote))
            entry['src'] = remote
            sent.append(entry['name'])
        return bool(todo)
