/** What a `forget` removed, as told to each {@link ForgetHook}. */
export interface ForgetEvent {
  kind: 'items' | 'cube' | 'user';
  /** The acting user. */
  actor: string;
  /** Cubes removed whole (`cube`, and `user` for the cubes the user owned). */
  cubeIds: string[];
  /** Items removed one by one (`items`, and `user` for items the user owned in other cubes). */
  items: { id: string; cubeId: string; payloadRef?: string }[];
  /** The forgotten user (`user`). */
  userId?: string;
}

/**
 * Called after `forget` removed data from the stores, so that caches and files the runtime keeps
 * elsewhere (activation KV caches, adapters, scheduler working memory, ...) drop it too. A hook that
 * throws fails the `forget` call (after the stores were cleaned; calling `forget` again reruns the hooks).
 */
export type ForgetHook = (event: ForgetEvent) => Promise<void> | void;
