/** Keys: the signing keys by state and age; rotate and retire, each saying why it would be refused until it is safe. */
import { api } from '../api.js';
import { announce, confirmAction, duration, h, replace, table, time } from '../dom.js';

interface Key {
  kid: string;
  alg: string;
  state: 'standby' | 'current' | 'previous' | 'retired';
  created_at: string;
  state_since: string;
  ready_at?: string;
}
interface Keys {
  keys: Key[];
  publish_delay: number;
  jwt_exp: number;
  now: string;
}

const ORDER = ['standby', 'current', 'previous', 'retired'];

export async function renderKeys(main: HTMLElement): Promise<void> {
  const data = await api<Keys>('GET', '/admin/keys');
  const now = Date.parse(data.now);
  const redraw = () => void renderKeys(main).catch((e: Error) => announce(e.message, 'error'));
  const keys = [...data.keys].sort((a, b) => ORDER.indexOf(a.state) - ORDER.indexOf(b.state) || b.created_at.localeCompare(a.created_at));
  const standby = keys.find((k) => k.state === 'standby');

  const wait = (key: Key | undefined) => (key?.ready_at ? Date.parse(key.ready_at) - now : 0);
  const rotateWhy = !standby
    ? 'There is no standby key: rotating now creates one (it then has to be published before it can sign).'
    : wait(standby) > 0
      ? `Refused for another ${duration(wait(standby))}: the standby key has been published for ${duration(now - Date.parse(standby.state_since))}, and verifiers may cache the JWKS for up to ${duration(data.publish_delay * 1000)} (LATCHKEY_KEY_PUBLISH_DELAY). Rotating earlier could hand out tokens signed by a key they do not know yet.`
      : `Safe: the standby key has been published for ${duration(now - Date.parse(standby.state_since))}, longer than the publish delay.`;

  const rotate = h('button', { type: 'button', 'aria-describedby': 'rotate-why', 'data-testid': 'rotate' }, 'Rotate');
  rotate.addEventListener('click', async () => {
    if (
      !(await confirmAction('Rotate the signing keys? The standby key starts signing; the current key becomes the previous one.', 'Rotate'))
    )
      return;
    try {
      const result = await api<{ current?: string }>('POST', '/admin/keys/rotate', {});
      announce(result.current ? `Rotated: ${result.current.slice(0, 12)}… now signs.` : 'A standby key was created.');
      redraw();
    } catch (error) {
      announce(`Refused: ${(error as Error).message}`, 'error');
    }
  });

  const rows = keys.map((k) => {
    const age = duration(now - Date.parse(k.created_at));
    let action: Node | string = '';
    if (k.state === 'previous') {
      const left = wait(k);
      const whyId = `retire-why-${k.kid.slice(0, 8)}`;
      const button = h('button', { type: 'button', class: 'small', 'aria-describedby': whyId }, 'Retire');
      button.addEventListener('click', async () => {
        if (!(await confirmAction(`Retire key ${k.kid.slice(0, 12)}…? It leaves the JWKS; tokens it signed stop verifying.`, 'Retire')))
          return;
        try {
          await api('POST', `/admin/keys/${k.kid}/retire`, {});
          announce('Key retired.');
          redraw();
        } catch (error) {
          announce(`Refused: ${(error as Error).message}`, 'error');
        }
      });
      action = h(
        'span',
        {},
        button,
        h(
          'small',
          { id: whyId, class: left > 0 ? 'why refused' : 'why' },
          left > 0
            ? ` Refused for another ${duration(left)}: access tokens it signed live up to ${duration(data.jwt_exp * 1000)} (LATCHKEY_JWT_EXP) and may still be in use.`
            : ' Safe: every token it signed has expired.',
        ),
      );
    }
    return [h('span', { class: `badge state-${k.state}` }, k.state), h('code', {}, k.kid), k.alg, age, `${time(k.state_since)}`, action];
  });

  replace(
    main,
    h('h1', {}, 'Signing keys'),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'rotate-title' },
      h('h2', { id: 'rotate-title' }, 'Rotate'),
      h('p', { id: 'rotate-why', class: wait(standby) > 0 ? 'why refused' : 'why', 'data-testid': 'rotate-why' }, rotateWhy),
      rotate,
    ),
    table('Keys: standby → current → previous → retired', ['State', 'Key id', 'Algorithm', 'Age', 'In this state since', ''], rows, {
      'data-testid': 'keys',
    }),
  );
}
