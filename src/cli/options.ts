// Command-line options of the operator commands: `--name value`.

/** The value after `--name`, or undefined. */
export function optionOf(args: string[]): (name: string) => string | undefined {
  return (name) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
}
