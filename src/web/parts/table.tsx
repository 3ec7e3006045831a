import type { ComponentChildren } from 'preact';

/**
 * A data table in a region that scrolls sideways on narrow screens; the region is focusable (and named by the
 * table's caption) so a keyboard can scroll it too.
 */
export const Table = (props: { id: string; caption: ComponentChildren; head: ComponentChildren; children: ComponentChildren; captionHidden?: boolean }) => (
  <div class="table-scroll" role="region" aria-labelledby={`${props.id}-caption`} tabIndex={0}>
    <table id={props.id}>
      <caption id={`${props.id}-caption`} class={props.captionHidden === true ? 'visually-hidden' : undefined}>
        {props.caption}
      </caption>
      <thead>
        <tr>{props.head}</tr>
      </thead>
      <tbody>{props.children}</tbody>
    </table>
  </div>
);

export const Th = ({ children }: { children: ComponentChildren }) => <th scope="col">{children}</th>;

/** A row for an empty table, across every column. */
export const Empty = ({ columns, children }: { columns: number; children: ComponentChildren }) => (
  <tr>
    <td colSpan={columns} class="muted">
      {children}
    </td>
  </tr>
);
