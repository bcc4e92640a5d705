// Loading data for a page: the value, the error, whether it is loading, and a way to reload.
import { useCallback, useEffect, useRef, useState } from "react";
import { messageOf } from "../api/client";

export type Async<T> = {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload: () => Promise<void>;
};

/** Runs `load` now and whenever `deps` change; a newer run wins over an older one. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): Async<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const run = useRef(0);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const stable = useCallback(load, deps);
  const reload = useCallback(async () => {
    const mine = ++run.current;
    setLoading(true);
    try {
      const value = await stable();
      if (mine === run.current) {
        setData(value);
        setError(undefined);
      }
    } catch (e) {
      if (mine === run.current) {
        setError(messageOf(e));
      }
    } finally {
      if (mine === run.current) {
        setLoading(false);
      }
    }
  }, [stable]);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { data, error, loading, reload };
}
