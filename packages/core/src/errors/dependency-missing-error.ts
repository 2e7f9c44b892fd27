import { MemosError, type MemosErrorOptions } from './memos-error.ts';

/** An optional dependency (driver, framework) is not installed. */
export class DependencyMissingError extends MemosError {
  readonly packageName: string;
  /** The command that installs it. */
  readonly installCommand: string;

  constructor(packageName: string, feature: string, options: MemosErrorOptions = {}) {
    const installCommand = `npm install ${packageName}`;
    super('MEMOS_DEPENDENCY_MISSING', `${feature} needs the package ${packageName}: run \`${installCommand}\``, options);
    this.packageName = packageName;
    this.installCommand = installCommand;
  }
}
