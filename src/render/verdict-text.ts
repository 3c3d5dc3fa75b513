// The verdict (src/engine/price/verdict.ts) in words, long and short, for the live view, recordings and plain text.
import type { LaneInfo } from '../engine/lanes.js';
import type { ProjectionTarget } from '../engine/price/project.js';
import type { Verdict } from '../engine/price/verdict.js';
import { formatMs } from './format.js';

const be0 = (v: Verdict) => v.breakEven;
const secs = (s: number, exact: boolean) => `${exact ? '' : '≈'}${formatMs(s * 1000)}`;

/** Variants, longest first: "On H200 SXM, Llama 3.3 70B fp8: AR 4.94 s, memory-bound · … ⇒ diffusion may take up to 183 passes …" */
export function verdictTexts(
  v: Verdict,
  lanes: readonly LaneInfo[],
  t: ProjectionTarget,
  planned: Record<string, number | null>,
): string[] {
  if (!v.lanes.length) return [`On ${t.roofline.name}: waiting for the first pass…`];
  const label = (id: string) => lanes.find((l) => l.id === id)?.label ?? id;
  const long = v.lanes.map((l) => {
    const passes = lanes.find((x) => x.id === l.id)?.passesVary ? ` in ${planned[l.id] ?? l.passes} passes` : '';
    return `${l.label} ${secs(l.finish, l.exact)}${passes}, ${l.bound}-bound`;
  });
  const medium = v.lanes.map((l) => {
    const passes = lanes.find((x) => x.id === l.id)?.passesVary ? ` (${planned[l.id] ?? l.passes} passes)` : '';
    return `${l.label} ${secs(l.finish, l.exact)}${passes} ${l.bound}-bound`;
  });
  const beMedium = be0(v).length
    ? ` ⇒ ${label(v.breakEven[0]!.lane)} may take ${v.breakEven.map((b, i) => `${i === 0 ? passesWord(b.passes) : b.passes} to beat ${label(b.against)}`).join(', ')}`
    : '';
  const short = v.lanes.map((l) => `${l.label} ${secs(l.finish, l.exact)} ${l.bound === 'memory' ? 'mem' : 'compute'}`);
  const be = v.breakEven;
  const beLong = be.length
    ? ` ⇒ ${label(be[0]!.lane)} may take up to ${be.map((b, i) => `${passesWord(b.passes)}${i === 0 ? ' and still beat' : ' to beat'} ${label(b.against)}`).join(', ')}.`
    : '.';
  const beShort = be.length ? ` ⇒ break-even ${be.map((b) => `${b.passes} vs ${label(b.against)}`).join(', ')}` : '';
  const where = `${t.roofline.name}, ${t.model.shape.name} ${t.dtype}${t.batch > 1 ? `, batch ${t.batch}` : ''}`;
  return [
    `On ${where}: ${long.join(' · ')}${beLong}`,
    `On ${t.roofline.name}: ${medium.join(' · ')}${beMedium}`,
    `On ${t.roofline.name}: ${short.join(' · ')}${beShort}`,
  ];
}

/** "1 pass", "186 passes" */
export function passesWord(n: number): string {
  return `${n} ${n === 1 ? 'pass' : 'passes'}`;
}
