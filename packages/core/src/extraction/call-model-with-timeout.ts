import type { LanguageModelPort, LanguageModelRequest, LanguageModelResponse } from '../spec/language-model-port.ts';

/** How {@link callModelWithTimeout} ended. */
export type TimedModelCall =
  | { kind: 'ok'; response: LanguageModelResponse }
  | { kind: 'error'; error: unknown }
  | { kind: 'timeout' }
  | { kind: 'aborted'; reason: unknown };

/**
 * Calls `model.generate` with its own abort signal, which is aborted when `timeoutMs` passes or the
 * caller's `abortSignal` fires. Returns as soon as one of the three happens, even when the port ignores
 * the signal (its late answer or rejection is then dropped). Never throws.
 */
export async function callModelWithTimeout(
  model: LanguageModelPort,
  request: Omit<LanguageModelRequest, 'abortSignal'>,
  timeoutMs: number,
  abortSignal: AbortSignal | undefined,
): Promise<TimedModelCall> {
  if (abortSignal?.aborted) return { kind: 'aborted', reason: abortSignal.reason };
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const stops: Promise<TimedModelCall>[] = [
    new Promise((resolve) => {
      timer = setTimeout(() => {
        controller.abort(new DOMException(`The model call timed out after ${timeoutMs} ms`, 'TimeoutError'));
        resolve({ kind: 'timeout' });
      }, timeoutMs);
    }),
  ];
  if (abortSignal) {
    stops.push(new Promise((resolve) => {
      onAbort = () => {
        controller.abort(abortSignal.reason);
        resolve({ kind: 'aborted', reason: abortSignal.reason });
      };
      abortSignal.addEventListener('abort', onAbort, { once: true });
    }));
  }
  const call: Promise<TimedModelCall> = Promise.resolve()
    .then(() => model.generate({ ...request, abortSignal: controller.signal }))
    .then((response) => ({ kind: 'ok' as const, response }), (error: unknown) => ({ kind: 'error' as const, error }));
  try {
    return await Promise.race([call, ...stops]);
  } finally {
    clearTimeout(timer);
    if (onAbort) abortSignal?.removeEventListener('abort', onAbort);
  }
}
