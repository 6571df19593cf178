import {
  closestCorners,
  DndContext,
  DragOverlay,
  KeyboardSensor,
  PointerSensor,
  useDroppable,
  useSensor,
  useSensors,
  type Announcements,
  type DragEndEvent,
  type DragOverEvent,
  type DragStartEvent,
} from '@dnd-kit/core';
import { SortableContext, sortableKeyboardCoordinates, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { cn } from '../lib/cn.ts';

export interface KanbanColumn<T> {
  id: string;
  title: ReactNode;
  /** Accessible name of the column (defaults to a string title). */
  label?: string;
  footer?: ReactNode;
  accent?: string;
  items: T[];
}

export interface KanbanMove {
  itemId: string;
  fromColumnId: string;
  toColumnId: string;
  /** Neighbours in the destination column after the move (null at an end). */
  previousId: string | null;
  nextId: string | null;
  index: number;
}

type Layout = Record<string, string[]>;

function layoutOf<T>(columns: KanbanColumn<T>[], getId: (item: T) => string): Layout {
  return Object.fromEntries(columns.map((c) => [c.id, c.items.map(getId)]));
}

function findColumn(layout: Layout, id: string): string | undefined {
  if (id in layout) return id;
  return Object.keys(layout).find((col) => layout[col]?.includes(id));
}

/**
 * A drag-and-drop board (dnd-kit): pointer and keyboard. The move is applied locally at once
 * (optimistic); when `onMove` rejects, the board snaps back to the server's layout.
 */
export function Kanban<T>({
  columns,
  getId,
  renderItem,
  onMove,
  itemLabel,
  disabled = false,
}: {
  columns: KanbanColumn<T>[];
  getId: (item: T) => string;
  /** What a screen reader calls an item when it is picked up and moved (defaults to "the card"). */
  itemLabel?: (item: T) => string;
  renderItem: (item: T, dragging: boolean) => ReactNode;
  onMove: (move: KanbanMove) => Promise<unknown>;
  disabled?: boolean;
}) {
  const serverLayout = layoutOf(columns, getId);
  const serverKey = JSON.stringify(serverLayout);
  const [layout, setLayout] = useState<Layout>(serverLayout);
  const [activeId, setActiveId] = useState<string | null>(null);
  const origin = useRef<{ column: string; layout: Layout } | null>(null);
  const pending = useRef(0);
  useEffect(() => {
    if (!activeId && pending.current === 0) setLayout(JSON.parse(serverKey) as Layout);
  }, [serverKey, activeId]);
  const byId = new Map<string, T>();
  for (const c of columns) for (const item of c.items) byId.set(getId(item), item);
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 4 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );

  // Screen-reader announcements in words: the card's and the column's names, never raw ids.
  const nameOf = (id: string | number) => {
    const item = byId.get(String(id));
    return item && itemLabel ? `“${itemLabel(item)}”` : 'the card';
  };
  const columnName = (overId: string | number) => {
    const columnId = findColumn(layout, String(overId));
    const column = columns.find((c) => c.id === columnId);
    return column?.label ?? (typeof column?.title === 'string' ? column.title : 'a column');
  };
  const announcements: Announcements = {
    onDragStart: ({ active }) => `Picked up ${nameOf(active.id)}.`,
    onDragOver: ({ active, over }) => (over ? `${nameOf(active.id)} is over ${columnName(over.id)}.` : `${nameOf(active.id)} is no longer over a column.`),
    onDragEnd: ({ active, over }) => (over ? `${nameOf(active.id)} was dropped in ${columnName(over.id)}.` : `${nameOf(active.id)} was dropped.`),
    onDragCancel: ({ active }) => `Moving ${nameOf(active.id)} was cancelled; it is back where it was.`,
  };

  function onDragStart(event: DragStartEvent) {
    const id = String(event.active.id);
    setActiveId(id);
    origin.current = { column: findColumn(layout, id) ?? '', layout };
  }
  function onDragOver(event: DragOverEvent) {
    const { active, over } = event;
    if (!over) return;
    const id = String(active.id);
    const overId = String(over.id);
    setLayout((prev) => {
      const from = findColumn(prev, id);
      const to = findColumn(prev, overId);
      if (!from || !to || from === to) return prev;
      const fromItems = (prev[from] ?? []).filter((x) => x !== id);
      const toItems = [...(prev[to] ?? [])];
      const overIndex = toItems.indexOf(overId);
      const index = overIndex >= 0 ? overIndex : toItems.length;
      toItems.splice(index, 0, id);
      return { ...prev, [from]: fromItems, [to]: toItems };
    });
  }
  function onDragEnd(event: DragEndEvent) {
    const { active, over } = event;
    const id = String(active.id);
    setActiveId(null);
    const start = origin.current;
    origin.current = null;
    if (!over || !start) {
      if (start) setLayout(start.layout);
      return;
    }
    const overId = String(over.id);
    const column = findColumn(layout, id);
    if (!column) return;
    const items = [...(layout[column] ?? [])];
    const oldIndex = items.indexOf(id);
    let newIndex = items.indexOf(overId);
    if (newIndex < 0) newIndex = oldIndex;
    items.splice(oldIndex, 1);
    items.splice(newIndex, 0, id);
    const next = { ...layout, [column]: items };
    const before = start.layout[start.column] ?? [];
    if (column === start.column && JSON.stringify(before) === JSON.stringify(items)) {
      setLayout(next);
      return;
    }
    setLayout(next);
    pending.current += 1;
    const index = items.indexOf(id);
    onMove({ itemId: id, fromColumnId: start.column, toColumnId: column, previousId: items[index - 1] ?? null, nextId: items[index + 1] ?? null, index })
      .catch(() => setLayout(start.layout))
      .finally(() => {
        pending.current -= 1;
      });
  }
  return (
    <DndContext
      accessibility={{
        announcements,
        screenReaderInstructions: {
          draggable: 'To pick up a card, press Space. Use the arrow keys to move it, Space again to drop it, Escape to cancel.',
        },
      }}
      sensors={sensors}
      collisionDetection={closestCorners}
      onDragStart={onDragStart}
      onDragOver={onDragOver}
      onDragEnd={onDragEnd}
      onDragCancel={() => {
        if (origin.current) setLayout(origin.current.layout);
        origin.current = null;
        setActiveId(null);
      }}
    >
      <div className="flex min-h-[60vh] gap-3 overflow-x-auto pb-4">
        {columns.map((col) => (
          <Column key={col.id} column={col} ids={layout[col.id] ?? []}>
            {(layout[col.id] ?? []).map((itemId) => {
              const item = byId.get(itemId);
              if (!item) return null;
              return (
                <SortableCard key={itemId} id={itemId} disabled={disabled}>
                  {renderItem(item, activeId === itemId)}
                </SortableCard>
              );
            })}
          </Column>
        ))}
      </div>
      <DragOverlay>
        {activeId && byId.get(activeId) ? <div className="rotate-1 shadow-xl">{renderItem(byId.get(activeId) as T, false)}</div> : null}
      </DragOverlay>
    </DndContext>
  );
}

function Column<T>({ column, ids, children }: { column: KanbanColumn<T>; ids: string[]; children: ReactNode }) {
  const { setNodeRef, isOver } = useDroppable({ id: column.id });
  return (
    <section
      className="flex w-64 min-w-60 max-w-80 flex-1 shrink-0 flex-col rounded-lg bg-slate-100/80 ring-1 ring-slate-200/70"
      data-column={column.id}
      aria-label={column.label ?? (typeof column.title === 'string' ? column.title : undefined)}
    >
      <header className={cn('flex items-center justify-between rounded-t-lg border-t-2 px-3 py-2', column.accent ?? 'border-slate-300')}>
        <div className="min-w-0 text-sm font-semibold text-slate-700">{column.title}</div>
        <span className="rounded-full bg-white px-1.5 text-xs text-slate-500 ring-1 ring-slate-200">{ids.length}</span>
      </header>
      <SortableContext id={column.id} items={ids} strategy={verticalListSortingStrategy}>
        <div ref={setNodeRef} className={cn('flex min-h-24 flex-1 flex-col gap-2 p-2 transition-colors', isOver && 'bg-indigo-50/60')}>
          {children}
        </div>
      </SortableContext>
      {column.footer ? <div className="px-2 pb-2">{column.footer}</div> : null}
    </section>
  );
}

function SortableCard({ id, children, disabled }: { id: string; children: ReactNode; disabled: boolean }) {
  const { attributes, listeners, setNodeRef, transform, transition, isDragging } = useSortable({ id, disabled });
  return (
    <div
      ref={setNodeRef}
      style={{ transform: transform ? `translate3d(${Math.round(transform.x)}px, ${Math.round(transform.y)}px, 0)` : undefined, transition }}
      className={cn('touch-none', isDragging && 'opacity-40')}
      data-card={id}
      {...attributes}
      {...listeners}
    >
      {children}
    </div>
  );
}
