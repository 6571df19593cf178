import { NavLink } from 'react-router';
import { cn } from '../../lib/cn.ts';
import { Badge } from '../../ui/index.ts';
import type { RouterOutputs } from '../../trpc.ts';
import { formatMoney } from './money.ts';

export type InvoiceStatus = RouterOutputs['revenue']['invoices']['get']['status'];

const tones: Record<InvoiceStatus, 'slate' | 'green' | 'amber' | 'rose' | 'indigo' | 'sky'> = {
  draft: 'slate',
  pending_approval: 'amber',
  approved: 'sky',
  issued: 'indigo',
  partially_paid: 'amber',
  paid: 'green',
  void: 'rose',
};
const words: Record<InvoiceStatus, string> = {
  draft: 'Draft',
  pending_approval: 'Waiting for approval',
  approved: 'Approved',
  issued: 'Issued',
  partially_paid: 'Partly paid',
  paid: 'Paid',
  void: 'Void',
};

export function StatusBadge({ status, overdue }: { status: InvoiceStatus; overdue?: boolean }) {
  return (
    <span className="inline-flex items-center gap-1">
      <Badge tone={tones[status]}>{words[status]}</Badge>
      {overdue ? <Badge tone="rose">Overdue</Badge> : null}
    </span>
  );
}

export function Money({ amount, currency, className }: { amount: string | bigint; currency: string; className?: string }) {
  return <span className={cn('tabular-nums', className)}>{formatMoney(typeof amount === 'bigint' ? amount : BigInt(amount), currency)}</span>;
}

/** The revenue area's own tabs (links, so each view has its address). */
export function RevenueNav() {
  const links = [
    { to: '/revenue/invoices', label: 'Invoices' },
    { to: '/revenue/payments', label: 'Payments' },
    { to: '/revenue/credit-notes', label: 'Credit notes' },
    { to: '/revenue/plans', label: 'Plans' },
    { to: '/revenue/aging', label: 'AR aging' },
  ];
  return (
    <nav className="mb-4 flex gap-5 border-b border-slate-200" aria-label="Revenue">
      {links.map((link) => (
        <NavLink
          key={link.to}
          to={link.to}
          end
          className={({ isActive }) =>
            cn(
              '-mb-px border-b-2 px-0.5 py-2 text-sm font-medium',
              isActive ? 'border-indigo-600 text-indigo-700' : 'border-transparent text-slate-500 hover:border-slate-300 hover:text-slate-700',
            )
          }
        >
          {link.label}
        </NavLink>
      ))}
    </nav>
  );
}
