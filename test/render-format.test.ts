// Human units: each formatter against hand-written figures.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  bytesPerFlopDigitsApart,
  formatBytes,
  formatBytesPerFlop,
  formatCount,
  formatFlopPerByte,
  formatFlops,
  formatMs,
  formatParams,
  formatSeconds,
  formatSI,
  formatSignedPercent,
} from '../src/render/format.js';

test('bytes in decimal SI units, 3 significant digits', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1000), '1.00 kB');
  assert.equal(formatBytes(536_000), '536 kB');
  assert.equal(formatBytes(1_234_567), '1.23 MB');
  assert.equal(formatBytes(70.56e9), '70.6 GB');
  assert.equal(formatBytes(1.95e12), '1.95 TB');
  // 999 600 rounds to 1000 kB at 3 digits: carried to the next prefix
  assert.equal(formatBytes(999_600), '1.00 MB');
});

test('one SI formatter: calc\'s 4 digits carry past 1000 too ("1.000 TB", never "1000 GB"); no unit, no trailing space', () => {
  assert.equal(formatSI(999.96e9, 'B', 4), '1.000 TB');
  assert.equal(formatSI(999.94e9, 'B', 4), '999.9 GB');
  assert.equal(formatSI(69.5e9, 'B', 4), '69.50 GB');
  assert.equal(formatSI(145.1e12, 'FLOP', 4), '145.1 TFLOP');
  assert.equal(formatSI(70.55e9, '', 4), '70.55 G');
  assert.equal(formatSI(256, 'B', 4), '256 B');
  assert.equal(formatSI(0, ''), '0');
  assert.equal(formatSI(-1500, 'B'), '-1.50 kB');
  assert.equal(formatSI(12.3e9, 'B/s'), '12.3 GB/s');
  assert.equal(formatSI(NaN, 'B'), '— B');
});

test('FLOPs in kFLOP … PFLOP', () => {
  assert.equal(formatFlops(266_000), '266 kFLOP');
  assert.equal(formatFlops(141e9), '141 GFLOP');
  assert.equal(formatFlops(144.6e12), '145 TFLOP');
  assert.equal(formatFlops(2.1e15), '2.10 PFLOP');
});

test('B/F: two significant digits, decimals down to 1e-5, an exponent below', () => {
  assert.equal(formatBytesPerFlop(0.5), '0.50');
  assert.equal(formatBytesPerFlop(4.8e12 / 1979e12), '0.0024');
  assert.equal(formatBytesPerFlop(2), '2.0');
  assert.equal(formatBytesPerFlop(0.000_5), '0.00050');
  assert.equal(formatBytesPerFlop(0.000_24), '0.00024');
  assert.equal(formatBytesPerFlop(0.000_005), '5.0e-6');
  assert.equal(formatBytesPerFlop(Infinity), '∞');
  assert.equal(formatBytesPerFlop(250), '250');
});

test('B/F to more digits where a pass is compared with the ridge: the fewest at which the two differ', () => {
  const ridge = (0.75 * 4.8e12) / (0.7 * 1979e12); // H200 fp8's attained ridge, 0.002599
  assert.equal(formatBytesPerFlop(ridge, 3), '0.00260');
  assert.equal(formatBytesPerFlop(0.000_5, 3), '0.000500');
  assert.equal(bytesPerFlopDigitsApart(0.00256, ridge), 3);
  assert.equal(bytesPerFlopDigitsApart(0.002597, ridge), 4);
  assert.equal(formatBytesPerFlop(0.002597, 4), '0.002597');
  assert.equal(bytesPerFlopDigitsApart(0.5, ridge), 3);
  assert.equal(bytesPerFlopDigitsApart(ridge, ridge), 6);
});

test('FLOP per byte, the x unit of the roofline: whole from 10 up', () => {
  assert.equal(formatFlopPerByte(1 / ((0.75 * 4.8e12) / (0.7 * 1979e12))), '385');
  assert.equal(formatFlopPerByte(2), '2.0');
  assert.equal(formatFlopPerByte(Infinity), '∞');
});

test('milliseconds and seconds', () => {
  assert.equal(formatMs(0.42), '0.42 ms');
  assert.equal(formatMs(19.3), '19.3 ms');
  assert.equal(formatMs(456), '456 ms');
  assert.equal(formatMs(1234), '1.23 s');
  assert.equal(formatMs(999.6), '1.00 s', 'carried, not "1000 ms"');
  assert.equal(formatMs(1_234_567), '1235 s', 'no exponent');
  assert.equal(formatMs(20_078), '20.1 s');
});

test('seconds with their SI prefix; a mantissa rounding to 1000 moves up', () => {
  assert.equal(formatSeconds(20.0784, 4), '20.08 s');
  assert.equal(formatSeconds(0.1045, 4), '104.5 ms');
  assert.equal(formatSeconds(12.3e-6), '12.3 µs');
  assert.equal(formatSeconds(4.56e-9), '4.56 ns');
  assert.equal(formatSeconds(0.99996, 4), '1.000 s');
  assert.equal(formatSeconds(12345.6, 4), '12346 s');
  assert.equal(formatSeconds(0), '0 s');
});

test('parameters: the SI formatter with G written B; 999.6M carries to 1.00B', () => {
  assert.equal(formatParams(999.6e6), '1.00B');
  assert.equal(formatParams(8.03e9), '8.03B');
  assert.equal(formatParams(512), '512');
});

test('counts and parameters', () => {
  assert.equal(formatCount(1234567), '1 234 567');
  assert.equal(formatParams(70.56e9), '70.6B');
  assert.equal(formatParams(39_808), '39.8k');
  assert.equal(formatParams(8.03e9), '8.03B');
});

test('signed percent: a minus sign, a plus, and zero unsigned (never −0.0 %)', () => {
  assert.equal(formatSignedPercent(0.01), '+1.0 %');
  assert.equal(formatSignedPercent(-0.242), '−24.2 %');
  assert.equal(formatSignedPercent(-0.0004), '0.0 %');
  assert.equal(formatSignedPercent(0.0004), '0.0 %');
  assert.equal(formatSignedPercent(-0), '0.0 %');
  assert.equal(formatSignedPercent(-0.0005001), '−0.1 %');
});
