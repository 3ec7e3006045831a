import { label } from '../format.js';

/** A lifecycle or status as a word first (colour only repeats it, for those who can see it). */
export const Badge = ({ value }: { value: string }) => <span class={`badge badge-${value}`}>{label(value)}</span>;
