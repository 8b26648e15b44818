#!/usr/bin/env python3
"""Prints the permission table (shared/ocop/permissions/permissions.json) as the Markdown table of
docs/permissions.md, so the documentation is regenerated from the data rather than retyped."""
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
OPS = ['create', 'update', 'delete', 'undelete', 'sign']


def main() -> int:
    table = json.loads((ROOT / 'shared/ocop/permissions/permissions.json').read_text('utf-8'))
    roles = list(table['roles'])
    print('| collection | ' + ' | '.join(roles) + ' |')
    print('|---|' + '---|' * len(roles))
    for name, body in table['collections'].items():
        cells = []
        for role in roles:
            parts = []
            for grant in body['grants']:
                if role not in grant['roles']:
                    continue
                text = '/'.join(op for op in OPS if op in grant['operations'])
                extra = []
                if grant.get('fields'):
                    extra.append('fields: ' + ', '.join(grant['fields']))
                if grant.get('states'):
                    extra.append('when ' + ' or '.join(grant['states']))
                if extra:
                    text += ' (' + '; '.join(extra) + ')'
                parts.append(text)
            cells.append('<br>'.join(parts) if parts else '—')
        label = name + (' (reference)' if body.get('reference') else '')
        print('| `' + label + '` | ' + ' | '.join(cells) + ' |')
    return 0


if __name__ == '__main__':
    sys.exit(main())
