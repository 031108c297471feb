# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Controller side of the modules whose options carry SystemRescue passwords: mask them in every result.

``rootpass``, ``vncpass`` and ``rootcryptpass`` sit inside options that cannot be marked ``no_log``
(a ``config`` mapping, a kernel command line, YAML text, the ``args`` of a boot entry). The modules hand
the values they find to Ansible, but when Ansible refuses the arguments before the module's own code
runs (a wrong type in another option), the failure carries the arguments as given, and ``-vvv`` prints
them. So the action plugin finds the passwords in the task's arguments itself and masks them in the
whole result, failures included.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

from ansible.module_utils.common.parameters import remove_values
from ansible.plugins.action import ActionBase

from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.reader import ReaderFailure, load
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.secrets import (
    MASK, SECRET_KEYS, cmdline_secrets, find_secrets, secret_values, walk_mappings)

# options whose text is a kernel command line, and options whose text is YAML
CMDLINE_KEYS = ('cmdline', 'kernel_args')
YAML_KEYS = ('content',)


def secrets_in(args):
    """Every password value in the task arguments: under a secret key at any depth (whatever its type:
    the items of a list, the keys and values of a mapping), on a command line, or in YAML text."""
    found = set()

    def visit(key, value):
        if key in SECRET_KEYS:
            # whatever its type: a password given as a list or mapping is refused by the module, but the
            # refusal (and the invocation -vvv prints) must not show its items
            found.update(secret_values(value))
        elif key in CMDLINE_KEYS and isinstance(value, str):
            found.update(cmdline_secrets(value))
        elif key in YAML_KEYS and isinstance(value, str) and any(k in value for k in SECRET_KEYS):
            try:
                found.update(find_secrets(load(value)[0]))
            except ReaderFailure:
                pass  # the module reports the file; its text is masked there
        else:
            return False
        return True
    walk_mappings(args, visit)
    return {value for value in found if value}


def mask_keys(node, secrets):
    """``node`` with every secret inside a mapping's key replaced by ``********``: Ansible's ``remove_values``
    masks values only, and a password given as a mapping (``vncpass: {s3cret: x}``) is a key of the
    invocation Ansible prints at ``-vvv``."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if isinstance(key, str):
                for secret in sorted(secrets, key=len, reverse=True):
                    key = key.replace(secret, MASK)
            out[key] = mask_keys(value, secrets)
        return out
    if isinstance(node, list):
        return [mask_keys(item, secrets) for item in node]
    return node


class SecretMaskingAction(ActionBase):
    """Runs the module of the task and masks the passwords of its arguments in the result."""

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        secrets = secrets_in(self._task.args)
        result.update(self._execute_module(task_vars=task_vars))
        return mask_keys(remove_values(result, secrets), secrets) if secrets else result
