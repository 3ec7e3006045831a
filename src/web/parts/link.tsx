import type { ComponentChildren } from 'preact';
import { followLink } from '../route.js';

export const Link = (props: { href: string; children: ComponentChildren; current?: boolean; class?: string }) => (
  <a
    href={props.href}
    class={props.class}
    aria-current={props.current === true ? 'page' : undefined}
    onClick={(e) => followLink(e, props.href)}
  >
    {props.children}
  </a>
);
