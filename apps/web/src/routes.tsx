import type { ComponentType } from 'react';
import { createBrowserRouter, isRouteErrorResponse, Link, Navigate, useRouteError } from 'react-router';
import { RequireAuth } from './app/AppShell.tsx';

/** Every screen is its own chunk: the first route only loads the shell and that screen. */
function page(load: () => Promise<{ default: ComponentType }>) {
  return async () => ({ Component: (await load()).default });
}

function RouteError() {
  const error = useRouteError();
  const notFound = !error || (isRouteErrorResponse(error) && error.status === 404);
  return (
    <div className="flex min-h-64 flex-col items-center justify-center gap-2 p-10 text-center">
      <h1 className="text-lg font-semibold text-slate-900">{notFound ? 'Page not found' : 'Something went wrong'}</h1>
      <p className="text-sm text-slate-500">
        {notFound ? 'The page you opened does not exist.' : error instanceof Error ? error.message : 'Please reload the page.'}
      </p>
      <Link to="/" className="mt-2 text-sm font-medium text-indigo-600">
        Back to home
      </Link>
    </div>
  );
}

export const router = createBrowserRouter([
  { path: '/login', lazy: page(() => import('./features/auth/Login.tsx')), errorElement: <RouteError /> },
  { path: '/signup', lazy: page(() => import('./features/auth/SignUp.tsx')), errorElement: <RouteError /> },
  { path: '/forgot-password', lazy: page(() => import('./features/auth/ForgotPassword.tsx')), errorElement: <RouteError /> },
  { path: '/reset-password', lazy: page(() => import('./features/auth/ResetPassword.tsx')), errorElement: <RouteError /> },
  { path: '/invite/:token', lazy: page(() => import('./features/auth/Invite.tsx')), errorElement: <RouteError /> },
  { path: '/accept-invitation', lazy: page(() => import('./features/auth/Invite.tsx')), errorElement: <RouteError /> },
  // A file request's public page: no session, outside the signed-in shell (files' requestLinkPath).
  { path: '/upload/:token', lazy: page(() => import('./features/public/FileRequestPage.tsx')), errorElement: <RouteError /> },
  // The client portal: its own shell and principal (a portal session), the firm's branding.
  { path: '/portal/:slug/sign-in', lazy: page(() => import('./features/portal/PortalSignIn.tsx')), errorElement: <RouteError /> },
  {
    path: '/portal/:slug',
    lazy: page(() => import('./features/portal/PortalShell.tsx')),
    errorElement: <RouteError />,
    children: [
      { index: true, lazy: page(() => import('./features/portal/PortalHome.tsx')) },
      { path: 'projects', lazy: page(() => import('./features/portal/PortalProjects.tsx')) },
      { path: 'files', lazy: page(() => import('./features/portal/PortalFiles.tsx')) },
      { path: 'approvals', lazy: page(() => import('./features/portal/PortalApprovals.tsx')) },
      { path: 'invoices', lazy: page(() => import('./features/portal/PortalInvoices.tsx')) },
      { path: 'proposals', lazy: page(() => import('./features/portal/PortalProposals.tsx')) },
      { path: 'proposals/:id', lazy: page(() => import('./features/portal/PortalProposalPage.tsx')) },
    ],
  },
  // Scheduling's public pages: book (site + page slug) and the attendee's manage link (scheduling's manageLinkPath).
  // Agreements' public signing page: the token is in the fragment (#token=…).
  { path: '/sign', lazy: page(() => import('./features/public/SigningPage.tsx')), errorElement: <RouteError /> },
  { path: '/book/manage/:token', lazy: page(() => import('./features/public/ManageBookingPage.tsx')), errorElement: <RouteError /> },
  { path: '/book/:tenantSlug/:pageSlug', lazy: page(() => import('./features/public/BookingPage.tsx')), errorElement: <RouteError /> },
  {
    path: '/',
    element: <RequireAuth />,
    errorElement: <RouteError />,
    children: [
      { index: true, lazy: page(() => import('./features/home/Home.tsx')) },
      { path: 'clients', lazy: page(() => import('./features/clients/ClientList.tsx')) },
      { path: 'clients/:id', lazy: page(() => import('./features/clients/ClientProfile.tsx')) },
      { path: 'contacts', lazy: page(() => import('./features/contacts/ContactList.tsx')) },
      { path: 'contacts/:id', lazy: page(() => import('./features/contacts/ContactDetail.tsx')) },
      { path: 'duplicates', lazy: page(() => import('./features/contacts/Duplicates.tsx')) },
      { path: 'imports/new', lazy: page(() => import('./features/imports/ImportWizard.tsx')) },
      { path: 'deals', lazy: page(() => import('./features/deals/DealBoard.tsx')) },
      { path: 'deals/:id', lazy: page(() => import('./features/deals/DealPage.tsx')) },
      { path: 'projects', lazy: page(() => import('./features/projects/ProjectList.tsx')) },
      { path: 'projects/:id', lazy: page(() => import('./features/projects/ProjectBoard.tsx')) },
      { path: 'files', lazy: page(() => import('./features/files/FilesPage.tsx')) },
      { path: 'inbox', lazy: page(() => import('./features/inbox/InboxPage.tsx')) },
      { path: 'inbox/:id', lazy: page(() => import('./features/inbox/InboxPage.tsx')) },
      { path: 'scheduling', lazy: page(() => import('./features/scheduling/SchedulingPage.tsx')) },
      { path: 'bills', lazy: page(() => import('./features/bills/BillsPage.tsx')) },
      { path: 'bills/:id', lazy: page(() => import('./features/bills/BillPage.tsx')) },
      { path: 'timeline', lazy: page(() => import('./features/timeline/TimelinePage.tsx')) },
      { path: 'agreements', lazy: page(() => import('./features/agreements/AgreementsPage.tsx')) },
      { path: 'agreements/templates/:id', lazy: page(() => import('./features/agreements/TemplateEditor.tsx')) },
      { path: 'agreements/proposals/:id', lazy: page(() => import('./features/agreements/ProposalPage.tsx')) },
      { path: 'agreements/contracts/:id', lazy: page(() => import('./features/agreements/ContractPage.tsx')) },
      { path: 'workflows', lazy: page(() => import('./features/workflows/WorkflowList.tsx')) },
      { path: 'workflows/new', lazy: page(() => import('./features/workflows/WorkflowEditor.tsx')) },
      { path: 'workflows/:id', lazy: page(() => import('./features/workflows/WorkflowEditor.tsx')) },
      { path: 'revenue', element: <Navigate to="/revenue/invoices" replace /> },
      { path: 'revenue/invoices', lazy: page(() => import('./features/revenue/InvoicesPage.tsx')) },
      { path: 'revenue/invoices/new', lazy: page(() => import('./features/revenue/InvoiceEditor.tsx')) },
      { path: 'revenue/invoices/:id', lazy: page(() => import('./features/revenue/InvoicePage.tsx')) },
      { path: 'revenue/invoices/:id/edit', lazy: page(() => import('./features/revenue/InvoiceEditor.tsx')) },
      { path: 'revenue/payments', lazy: page(() => import('./features/revenue/PaymentsPage.tsx')) },
      { path: 'revenue/credit-notes', lazy: page(() => import('./features/revenue/CreditNotesPage.tsx')) },
      { path: 'revenue/plans', lazy: page(() => import('./features/revenue/PlansPage.tsx')) },
      { path: 'revenue/aging', lazy: page(() => import('./features/revenue/AgingPage.tsx')) },
      { path: 'settings', lazy: page(() => import('./features/settings/Settings.tsx')) },
      { path: 'account', lazy: page(() => import('./features/account/AccountPage.tsx')) },
      { path: '*', element: <RouteError /> },
    ],
  },
]);
