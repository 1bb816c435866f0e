b// Options for the server.
export interface Options {
  port: number;
  host?: string;
}

type Handler = (req: string) => string;

enum Level {
  Low,
  High,
}

export abstract class Server {
  private readonly opts: Options;

  constructor(opts: Options) {
    this.opts = opts;
  }

  /** Starts listening. */
  public start(): void {
    console.log(this.opts.port);
  }

  abstract stop(): void;
}

export const makeHandler = (name: string): Handler => {
  return (req) => name + req;
};

namespace Util {
  export function clamp(x: number): number {
    return Math.max(0, x);
  }
}
