# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The ``role_words`` filter: a module's failure, as the user of a role must read it."""

from __future__ import annotations

DOCUMENTATION = r'''
name: role_words
short_description: A module's error message in the words of the role that called it
version_added: 0.1.0
description:
  - A module names its options in its messages (C(adopt_unmarked), C(url)). A user of a role set role variables
    instead (C(pxe_server_adopt_unmarked), C(pxe_server_url)), so the role's failure must name those.
  - Gives the message with, at its end, which role variable sets each module option the message names
    (C(In the role rescuefleet.media.pxe_server, url is pxe_server_url; ...)). An option counts as named when it
    appears as a whole word, not as part of a longer name (C(rd.loadsrm.url) does not name C(url)).
  - The roles of this collection use it in the C(rescue) of their module calls.
options:
  _input:
    description: The module's message (C(ansible_failed_result.msg)).
    type: str
    required: true
  words:
    description: Each module option the role sets from a variable, with that variable's name.
    type: dict
    required: true
  role:
    description: The role's name, for the note.
    type: str
    required: true
author:
  - rescuefleet.media contributors
'''

EXAMPLES = r'''
- name: Fail in the role's words
  ansible.builtin.fail:
    msg: "{{ ansible_failed_result.msg | rescuefleet.media.role_words({'url': 'pxe_server_url'}, 'pxe_server') }}"
'''

RETURN = r'''
_value:
  description: The message, followed by the role variables of the options it names (unchanged when it names none).
  type: str
'''

import re


def role_words(message, words, role):
    message = '' if message is None else str(message)
    named = []
    for option, variable in sorted((words or {}).items()):
        # a whole word: not inside a longer name (dots, dashes and underscores join words into names)
        if re.search(r'(?<![\w.-])%s(?![\w-])' % re.escape(option), message):
            named.append('%s is %s' % (option, variable))
    if not named:
        return message
    return '%s (in the role rescuefleet.media.%s, %s)' % (message.rstrip(), role, '; '.join(named))


class FilterModule:

    def filters(self):
        return {'role_words': role_words}
