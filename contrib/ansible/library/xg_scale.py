#!/usr/bin/python
# -*- coding: utf-8 -*-
# xg_scale: run xg-scale on a node from Ansible (apply, plan in check mode, confirm, DRBD checks).
# It only calls the xg-scale binary with an argv (never a shell) and reads its --json output,
# ignoring keys it does not know.

DOCUMENTATION = r'''
module: xg_scale
short_description: Bring a node's network to an xg-scale profile, or check its DRBD setup
description:
  - C(state=applied) runs C(xg-scale apply --json PROFILE [--inventory F --node N]); C(changed) is
    true when change requests were sent to the kernel (0 when the node was already in sync).
  - In check mode it runs C(xg-scale plan --json) instead and changes nothing; C(changed) says
    whether the plan has changes. In diff mode the plan's (or the apply's) changes are the diff.
  - C(confirm_within=N) applies with a timed revert; a later task with C(state=confirmed) runs
    C(xg-scale confirm) and fails when nothing is pending (the revert already happened).
  - C(state=drbd_checked) runs C(xg-scale drbd check --json) and C(state=preflight_passed)
    C(xg-scale preflight --json); either fails on an error finding or a failing pair.
  - Errors are xg-scale's own text (FILE:LINE:COL, what is wrong, the fix).
options:
  state:
    description: What to do (applied, confirmed, drbd_checked, preflight_passed).
    type: str
    choices: [applied, confirmed, drbd_checked, preflight_passed]
    default: applied
  profile: {description: The profile (needed for state=applied)., type: path}
  inventory: {description: "Inventory file on the node: xg-scale's format or an Ansible YAML inventory.", type: path}
  inventory_format: {description: Forced inventory format (else detected)., type: str, choices: [xg-scale, ansible]}
  node: {description: The node in the inventory (needed with inventory)., type: str}
  confirm_within: {description: Seconds before the apply is reverted unless a later task confirms it., type: float}
  state_dir: {description: "xg-scale's --state-dir.", type: path}
  netns: {description: Run xg-scale under C(ip netns exec NETNS) (labs and tests)., type: str}
  binary: {description: The xg-scale executable., type: path, default: xg-scale}
  drbd_config: {description: The DRBD configuration for drbd_checked and preflight_passed., type: path}
  drbd_host: {description: The --host of drbd check., type: str}
  drbd_no_local: {description: The --no-local of drbd check., type: bool, default: false}
  preflight_exec: {description: The --exec template of preflight., type: str}
author: xg-scale
'''

EXAMPLES = r'''
- name: Network of this node, with a timed revert
  xg_scale:
    profile: /etc/xg-scale/site.yaml
    inventory: "{{ inventory_file }}"
    node: "{{ inventory_hostname }}"
    confirm_within: 120
- name: Still reachable: keep it
  xg_scale:
    state: confirmed
'''

import json

from ansible.module_utils.basic import AnsibleModule


def xg_argv(module, *args):
    p = module.params
    argv = ['ip', 'netns', 'exec', p['netns']] if p['netns'] else []
    return argv + [p['binary']] + list(args)


def run(module, argv):
    rc, out, err = module.run_command(argv, check_rc=False)
    return rc, out, err


def parse_json(module, argv, out, err):
    try:
        return json.loads(out) if out.strip() else {}
    except ValueError:
        module.fail_json(msg='xg-scale printed no JSON: %s' % (err.strip() or out.strip()), cmd=argv)


def fail(module, argv, rc, out, err, **extra):
    msg = err.strip() or out.strip() or 'xg-scale exited with %d' % rc
    module.fail_json(msg=msg, rc=rc, cmd=argv, stdout=out, stderr=err, **extra)


def profile_args(module):
    p = module.params
    if not p['profile']:
        module.fail_json(msg='state=applied needs profile (the xg-scale profile to apply)')
    args = [p['profile']]
    if p['inventory']:
        args += ['--inventory', p['inventory'], '--node', p['node']]
        if p['inventory_format']:
            args += ['--inventory-format', p['inventory_format']]
    return args


def state_args(module):
    return ['--state-dir', module.params['state_dir']] if module.params['state_dir'] else []


def summaries(result):
    return [c.get('summary', '') for c in result.get('changes', []) if isinstance(c, dict)]


def applied(module):
    args = profile_args(module) + state_args(module) + ['--json']
    if module.check_mode:
        argv = xg_argv(module, 'plan', *args)
        rc, out, err = run(module, argv)
        if rc not in (0, 2):  # plan: 0 in sync, 2 changes to make, 1 error
            fail(module, argv, rc, out, err)
        plan = parse_json(module, argv, out, err)
        changes = summaries(plan)
        result = dict(changed=bool(changes), changes=changes, plan=plan, cmd=argv)
    else:
        if module.params['confirm_within'] is not None:
            args += ['--confirm-within', '%g' % module.params['confirm_within']]
        argv = xg_argv(module, 'apply', *args)
        rc, out, err = run(module, argv)
        outcome = parse_json(module, argv, out, err)
        if rc != 0:
            fail(module, argv, rc, out, err, apply=outcome)
        changes = summaries(outcome)
        result = dict(changed=int(outcome.get('change-requests', 0) or 0) > 0, changes=changes,
                      change_requests=outcome.get('change-requests'), apply=outcome, cmd=argv)
        if module.params['confirm_within'] is not None and result['changed']:
            result['pending_confirm'] = True
            result['warnings'] = [err.strip()] if err.strip() else []
    if module._diff:
        result['diff'] = dict(prepared='\n'.join(changes) + ('\n' if changes else ''))
    module.exit_json(**result)


def confirmed(module):
    argv = xg_argv(module, 'confirm', *state_args(module))
    if module.check_mode:
        module.exit_json(changed=False, skipped_in_check_mode=True, cmd=argv)
    rc, out, err = run(module, argv)
    if rc != 0:
        fail(module, argv, rc, out, err)
    module.exit_json(changed=True, msg=out.strip(), cmd=argv)


def drbd_checked(module):
    p = module.params
    args = ['drbd', 'check', '--json']
    if p['drbd_config']:
        args += ['--config', p['drbd_config']]
    if p['drbd_host']:
        args += ['--host', p['drbd_host']]
    if p['drbd_no_local']:
        args += ['--no-local']
    argv = xg_argv(module, *args)
    rc, out, err = run(module, argv)
    if rc not in (0, 2):
        fail(module, argv, rc, out, err)
    report = parse_json(module, argv, out, err)
    findings = report.get('findings', [])
    lines = ['%s:%s: %s: %s: %s (fix: %s)' % (f.get('file'), f.get('line'), f.get('severity'), f.get('check'),
                                              f.get('message'), f.get('fix')) for f in findings]
    if rc == 2:
        module.fail_json(msg='xg-scale drbd check found errors:\n' + '\n'.join(lines), findings=findings, cmd=argv, rc=rc)
    module.exit_json(changed=False, findings=findings, warnings=lines, cmd=argv)


def preflight_passed(module):
    p = module.params
    args = ['preflight', '--json']
    if p['drbd_config']:
        args += ['--config', p['drbd_config']]
    if p['inventory']:
        args += ['--inventory', p['inventory']]
    if p['preflight_exec']:
        args += ['--exec', p['preflight_exec']]
    argv = xg_argv(module, *args)
    rc, out, err = run(module, argv)
    if rc not in (0, 2):
        fail(module, argv, rc, out, err)
    report = parse_json(module, argv, out, err)
    bad = ['%s %s -> %s %s:%s: %s %s' % (x.get('resource'), x.get('from'), x.get('to'), x.get('address'), x.get('port'),
                                          x.get('result'), x.get('detail') or '')
           for x in report.get('pairs', []) if x.get('result') != 'ok']
    if rc == 2:
        module.fail_json(msg='xg-scale preflight failed:\n' + '\n'.join(bad or [out.strip()]), report=report, cmd=argv, rc=rc)
    module.exit_json(changed=False, report=report, cmd=argv)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(type='str', default='applied', choices=['applied', 'confirmed', 'drbd_checked', 'preflight_passed']),
            profile=dict(type='path'),
            inventory=dict(type='path'),
            inventory_format=dict(type='str', choices=['xg-scale', 'ansible']),
            node=dict(type='str'),
            confirm_within=dict(type='float'),
            state_dir=dict(type='path'),
            netns=dict(type='str'),
            binary=dict(type='path', default='xg-scale'),
            drbd_config=dict(type='path'),
            drbd_host=dict(type='str'),
            drbd_no_local=dict(type='bool', default=False),
            preflight_exec=dict(type='str'),
        ),
        supports_check_mode=True,
    )
    if module.params['inventory'] and not module.params['node']:
        module.fail_json(msg='inventory needs node (the host\'s name in the inventory, e.g. "{{ inventory_hostname }}")')
    {'applied': applied, 'confirmed': confirmed, 'drbd_checked': drbd_checked,
     'preflight_passed': preflight_passed}[module.params['state']](module)


if __name__ == '__main__':
    main()
