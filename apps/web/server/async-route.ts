import type { NextFunction, Request, Response } from 'express';

/**
 * Express 4 ignores the promise an async handler returns, so a rejection would be unhandled (and
 * the request would hang). This hands it to the error middleware instead.
 */
export function asyncRoute(fn: (req: Request, res: Response, next: NextFunction) => Promise<unknown>) {
  return (req: Request, res: Response, next: NextFunction): void => {
    fn(req, res, next).catch(next);
  };
}
