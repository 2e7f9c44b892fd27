import { MemosError } from './memos-error.ts';

/** The user may not perform the action on the cube. */
export class AccessDeniedError extends MemosError {
  readonly userId: string;
  readonly cubeId: string;
  readonly action: 'read' | 'write' | 'share' | 'admin' | 'create-admin' | 'forget-user';

  constructor(userId: string, cubeId: string, action: AccessDeniedError['action']) {
    super(
      'MEMOS_ACCESS_DENIED',
      action === 'create-admin'
        ? `User ${JSON.stringify(userId)} may not create admin users (only an admin may)`
        : action === 'forget-user'
          ? `User ${JSON.stringify(userId)} may forget only themselves (an admin may forget anyone)`
          : `User ${JSON.stringify(userId)} may not ${action} cube ${JSON.stringify(cubeId)}`,
    );
    this.userId = userId;
    this.cubeId = cubeId;
    this.action = action;
  }
}
