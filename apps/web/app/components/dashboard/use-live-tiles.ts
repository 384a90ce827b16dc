import { useRevalidator } from '@remix-run/react';
import { useMemo, useState } from 'react';
import { trpc } from '../../trpc.ts';
import type { TileData } from './tiles.tsx';

interface Pending {
  order: string[] | null;
  widths: Record<string, number>;
  removed: string[];
}

const NONE: Pending = { order: null, widths: {}, removed: [] };

/**
 * Reorder, resize and remove tiles through the tRPC client (/api/trpc) with optimistic updates:
 * the grid changes at once, the mutation runs, and on success the page's loader refreshes the
 * data; on failure the change is undone and the reason shown. The same actions work as plain form
 * posts without JavaScript (the page's action).
 */
export function useLiveTiles(slug: string, dashboardId: string, tiles: TileData[]) {
  const { revalidate } = useRevalidator();
  const [pending, setPending] = useState<Pending>(NONE);
  const [error, setError] = useState<string | null>(null);
  // Fresh server data replaces whatever was pending (adjusting state while rendering, as React advises).
  const [seen, setSeen] = useState(tiles);
  if (seen !== tiles) {
    setSeen(tiles);
    setPending(NONE);
  }

  const settle = {
    onError(e: { message: string }) {
      setPending(NONE);
      setError(e.message);
    },
    onSuccess() {
      setError(null);
      revalidate();
    },
  };
  const reorder = trpc.dashboards.reorderTiles.useMutation(settle);
  const update = trpc.dashboards.updateTile.useMutation(settle);
  const remove = trpc.dashboards.removeTile.useMutation(settle);

  const shown = useMemo(() => {
    const byId = new Map(tiles.map((t) => [t.id, t]));
    const order = pending.order ?? tiles.map((t) => t.id);
    return order
      .filter((id) => byId.has(id) && !pending.removed.includes(id))
      .map((id) => {
        const t = byId.get(id)!;
        const width = pending.widths[id];
        return width === undefined ? t : { ...t, width };
      });
  }, [tiles, pending]);

  return {
    tiles: shown,
    error,
    busy: reorder.isPending || update.isPending || remove.isPending,
    move(from: number, to: number) {
      if (to < 0 || to >= shown.length || from === to) return;
      const order = shown.map((t) => t.id);
      const [id] = order.splice(from, 1);
      order.splice(to, 0, id!);
      setPending((p) => ({ ...p, order }));
      reorder.mutate({ slug, dashboardId, tileIds: order });
    },
    resize(tileId: string, width: 1 | 2) {
      setPending((p) => ({ ...p, widths: { ...p.widths, [tileId]: width } }));
      update.mutate({ slug, dashboardId, tileId, width });
    },
    remove(tileId: string) {
      setPending((p) => ({ ...p, removed: [...p.removed, tileId] }));
      remove.mutate({ slug, dashboardId, tileId });
    },
  };
}
