import type { HTMLAttributes, ReactNode, ThHTMLAttributes, TdHTMLAttributes } from 'react';
import { cn } from '../lib/cn.ts';

export function Table({ children, className }: { children: ReactNode; className?: string }) {
  return (
    <div className={cn('overflow-x-auto', className)}>
      <table className="min-w-full divide-y divide-slate-200 text-sm">{children}</table>
    </div>
  );
}

export function Th({
  children,
  className,
  sort,
  onSort,
  ...rest
}: ThHTMLAttributes<HTMLTableCellElement> & { sort?: 'asc' | 'desc' | null; onSort?: () => void }) {
  const content = onSort ? (
    <button type="button" onClick={onSort} className="group inline-flex items-center gap-1 hover:text-slate-900">
      {children}
      <span className={cn('text-[10px]', sort ? 'text-indigo-600' : 'text-slate-300 group-hover:text-slate-400')}>{sort === 'desc' ? '▼' : '▲'}</span>
    </button>
  ) : (
    children
  );
  return (
    <th
      scope="col"
      aria-sort={sort === 'asc' ? 'ascending' : sort === 'desc' ? 'descending' : undefined}
      className={cn('bg-slate-50/80 px-4 py-2 text-left text-xs font-medium whitespace-nowrap text-slate-500', className)}
      {...rest}
    >
      {content}
    </th>
  );
}

export function Td({ children, className, ...rest }: TdHTMLAttributes<HTMLTableCellElement>) {
  return (
    <td className={cn('px-4 py-2 whitespace-nowrap text-slate-700', className)} {...rest}>
      {children}
    </td>
  );
}

export function Tr({
  children,
  onClick,
  className,
  ...rest
}: { children: ReactNode; onClick?: () => void; className?: string } & Omit<HTMLAttributes<HTMLTableRowElement>, 'onClick' | 'className' | 'children'>) {
  return (
    <tr
      {...rest}
      onClick={onClick}
      tabIndex={onClick ? 0 : undefined}
      onKeyDown={onClick ? (e) => (e.key === 'Enter' && e.target === e.currentTarget ? onClick() : undefined) : undefined}
      className={cn(onClick && 'cursor-pointer hover:bg-slate-50 focus-visible:bg-slate-50 focus-visible:outline-none', className)}
    >
      {children}
    </tr>
  );
}
