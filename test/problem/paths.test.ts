import { mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEBIAN_DATASETS_DIR, REPO_DATA_DIR, datasetCacheDir, datasetSearchDirs, findDataFile } from '../../node/problem/datasets/paths.ts';
import { tempDir } from './helpers.ts';

const linux = { platform: 'linux' as const, home: '/h' };

describe('dataset cache folder', () => {
  it('PROXMESH_DATASETS wins on every platform, resolved to an absolute path', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      expect(datasetCacheDir({ env: { PROXMESH_DATASETS: 'rel/cache', XDG_CACHE_HOME: '/x' }, platform, home: '/h' })).toBe(
        resolve('rel/cache'),
      );
    }
  });

  it('XDG_CACHE_HOME/proxmesh, else ~/.cache/proxmesh; a relative XDG_CACHE_HOME is ignored (XDG spec)', () => {
    expect(datasetCacheDir({ env: { XDG_CACHE_HOME: '/xdg' }, ...linux })).toBe(join('/xdg', 'proxmesh'));
    expect(datasetCacheDir({ env: {}, ...linux })).toBe(join('/h', '.cache', 'proxmesh'));
    expect(datasetCacheDir({ env: { XDG_CACHE_HOME: 'relative' }, ...linux })).toBe(join('/h', '.cache', 'proxmesh'));
  });

  it('macOS and Windows use their own cache folders', () => {
    expect(datasetCacheDir({ env: {}, platform: 'darwin', home: '/h' })).toBe(join('/h', 'Library', 'Caches', 'proxmesh'));
    expect(datasetCacheDir({ env: { LOCALAPPDATA: 'C:\\L' }, platform: 'win32', home: '/h' })).toBe(join('C:\\L', 'proxmesh'));
  });
});

describe('dataset search folders', () => {
  it('cache, then data/, then PROXMESH_DATASETS_PATH entries in order, then the Debian folder', () => {
    const dirs = datasetSearchDirs({
      env: { PROXMESH_DATASETS: '/c', PROXMESH_DATASETS_PATH: ['/s1', '', '/s2'].join(delimiter) },
      ...linux,
    });
    expect(dirs).toEqual([resolve('/c'), REPO_DATA_DIR, resolve('/s1'), resolve('/s2'), DEBIAN_DATASETS_DIR]);
    expect(datasetSearchDirs({ env: {}, ...linux })).toEqual([join('/h', '.cache', 'proxmesh'), REPO_DATA_DIR, DEBIAN_DATASETS_DIR]);
  });

  it('a folder listed twice is searched once', () => {
    expect(datasetSearchDirs({ env: { PROXMESH_DATASETS: REPO_DATA_DIR }, ...linux })).toEqual([REPO_DATA_DIR, DEBIAN_DATASETS_DIR]);
  });

  it('findDataFile returns the first folder holding the file', () => {
    const a = tempDir();
    const b = tempDir();
    for (const d of [a, b]) mkdirSync(join(d, 'w8a'));
    writeFileSync(join(b, 'w8a', 'w8a.gz'), 'b');
    expect(findDataFile('w8a/w8a.gz', [a, b])).toBe(join(b, 'w8a', 'w8a.gz'));
    writeFileSync(join(a, 'w8a', 'w8a.gz'), 'a');
    expect(findDataFile('w8a/w8a.gz', [a, b])).toBe(join(a, 'w8a', 'w8a.gz'));
    expect(findDataFile('w8a/none.gz', [a, b])).toBeNull();
  });
});
