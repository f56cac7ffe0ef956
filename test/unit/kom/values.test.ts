import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatDuration,
  InvalidDurationError,
  InvalidQuantityError,
  parseByteQuantity,
  parseCpuMillicores,
  parseDockerBytes,
  parseDuration,
} from '../../../kom';

void describe('parseDuration', () => {
  void it('reads units, decimals and compounds', () => {
    assert.equal(parseDuration('90d'), 90 * 86_400_000);
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('15m'), 900_000);
    assert.equal(parseDuration('6h'), 21_600_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('2w'), 14 * 86_400_000);
  });

  for (const text of ['', '90', 'd', '5 m', '1y', '-1s', '1h 30m', 'abc']) {
    void it(`rejects ${JSON.stringify(text)}`, () =>
      assert.throws(() => parseDuration(text), InvalidDurationError));
  }

  void it('formats with the largest even unit', () => {
    assert.equal(formatDuration(90 * 86_400_000), '90d');
    assert.equal(formatDuration(90_000), '90s');
    assert.equal(formatDuration(1500), '1500ms');
  });
});

void describe('quantities', () => {
  void it('reads byte sizes', () => {
    assert.equal(parseByteQuantity('32Gi'), 32 * 2 ** 30);
    assert.equal(parseByteQuantity('500M'), 500e6);
    assert.equal(parseByteQuantity(1024), 1024);
    assert.equal(parseByteQuantity('1024'), 1024);
    for (const bad of ['32GB', '-1Gi', '0', 0, 1.5, '100m', 'big', true, '0.3']) {
      assert.throws(() => parseByteQuantity(bad), InvalidQuantityError, String(bad));
    }
  });

  void it('reads CPU in cores or millicores', () => {
    assert.equal(parseCpuMillicores('250m'), 250);
    assert.equal(parseCpuMillicores('0.5'), 500);
    assert.equal(parseCpuMillicores(2), 2000);
    assert.throws(() => parseCpuMillicores('two'), InvalidQuantityError);
    assert.throws(() => parseCpuMillicores(0), InvalidQuantityError);
  });

  void it('reads Docker byte values with binary units', () => {
    assert.equal(parseDockerBytes('512m'), 512 * 2 ** 20);
    assert.equal(parseDockerBytes('1gb'), 2 ** 30);
    assert.equal(parseDockerBytes('2048k'), 2 * 2 ** 20);
    assert.equal(parseDockerBytes(300), 300);
    assert.throws(() => parseDockerBytes('1Gi'), InvalidQuantityError);
  });
});
