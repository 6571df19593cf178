import { useEffect, useRef, useState } from 'react';
import { errorMessage } from '../../lib/errors.ts';
import { trpc } from '../../trpc.ts';
import { Button, Checkbox, ErrorState, Field, Input, PageSpinner, Tabs, Textarea } from '../../ui/index.ts';

/** The token from the link's fragment (`/sign#token=…`): it never reaches a server log or a Referer. */
function tokenFromHash(): string {
  return new URLSearchParams(window.location.hash.slice(1)).get('token') ?? '';
}

/** /sign — the public signing page: read, agree, type or draw a signature, sign (or decline). Mobile first. */
export default function SigningPage() {
  const [token] = useState(tokenFromHash);
  const view = trpc.agreements.signing.view.useQuery({ token }, { enabled: token.length > 0, retry: false });
  const utils = trpc.useUtils();
  const [consent, setConsent] = useState(false);
  const [mode, setMode] = useState<'typed' | 'drawn'>('typed');
  const [typed, setTyped] = useState('');
  const [image, setImage] = useState<string | null>(null);
  const [declining, setDeclining] = useState(false);
  const [reason, setReason] = useState('');
  const done = () => void utils.agreements.signing.view.invalidate();
  const sign = trpc.agreements.signing.sign.useMutation({ onSuccess: done });
  const decline = trpc.agreements.signing.decline.useMutation({ onSuccess: done });
  useEffect(() => {
    if (view.data && !typed) setTyped(view.data.signer.name);
  }, [view.data, typed]);
  if (!token)
    return (
      <Shell>
        <ErrorState title="This signing link is incomplete" error={new Error('Open the link exactly as it was sent to you.')} />
      </Shell>
    );
  if (view.isPending) return <PageSpinner />;
  if (view.error)
    return (
      <Shell>
        <ErrorState title="This link cannot be used" error={view.error} />
      </Shell>
    );
  const v = view.data;
  const signature =
    mode === 'typed' ? (typed.trim().length >= 2 ? { kind: 'typed' as const, text: typed.trim() } : null) : image ? { kind: 'drawn' as const, image } : null;
  return (
    <Shell>
      <h1 className="text-xl font-semibold text-slate-900">{v.contractTitle}</h1>
      <p className="mt-1 text-sm text-slate-500">
        For {v.signer.name} · {v.signers.map((s) => `${s.position}. ${s.name} (${s.status})`).join(' · ')}
      </p>
      <article className="mt-4 grid gap-4 rounded-lg bg-white p-4 shadow-xs ring-1 ring-slate-200">
        {v.sections.map((section, index) => (
          <section key={index}>
            <h2 className="text-base font-semibold text-slate-900">{section.title}</h2>
            <p className="mt-1 whitespace-pre-wrap text-sm leading-6 text-slate-700">{section.body}</p>
          </section>
        ))}
        <p className="font-mono text-[11px] break-all text-slate-400">Document SHA-256 {v.documentHash}</p>
      </article>
      {v.canSign ? (
        <div className="mt-4 grid gap-4 rounded-lg bg-white p-4 shadow-xs ring-1 ring-slate-200" data-testid="sign-form">
          <Tabs
            tabs={[
              { id: 'typed', label: 'Type' },
              { id: 'drawn', label: 'Draw' },
            ]}
            value={mode}
            onChange={setMode}
          />
          {mode === 'typed' ? (
            <Field label="Your signature (type your full name)">
              <Input value={typed} onChange={(e) => setTyped(e.target.value)} className="h-12 font-serif text-2xl italic" />
            </Field>
          ) : (
            <SignaturePad onChange={setImage} />
          )}
          <Checkbox
            label="I agree to sign this document electronically, and that my electronic signature is as binding as a handwritten one."
            checked={consent}
            onChange={(e) => setConsent(e.target.checked)}
          />
          {sign.error ? (
            <p className="text-sm text-rose-700" role="alert">
              {errorMessage(sign.error)}
            </p>
          ) : null}
          <div className="flex flex-wrap gap-2">
            <Button
              variant="primary"
              className="h-11 px-5"
              disabled={!consent || !signature}
              loading={sign.isPending}
              onClick={() => signature && sign.mutate({ token, consent: true, signature })}
            >
              Sign
            </Button>
            <Button className="h-11" onClick={() => setDeclining(!declining)}>
              Decline to sign
            </Button>
          </div>
          {declining ? (
            <div className="grid gap-2">
              <Field label="Why? (optional)">
                <Textarea rows={2} value={reason} onChange={(e) => setReason(e.target.value)} />
              </Field>
              <Button variant="danger" className="h-11" loading={decline.isPending} onClick={() => decline.mutate({ token, reason: reason.trim() || null })}>
                Decline
              </Button>
            </div>
          ) : null}
        </div>
      ) : (
        <p className="mt-4 rounded-lg bg-slate-100 p-4 text-sm text-slate-700" role="status" data-testid="signing-status">
          {v.waitingReason}
        </p>
      )}
    </Shell>
  );
}

function Shell({ children }: { children: React.ReactNode }) {
  return <main className="mx-auto max-w-2xl px-4 py-6 sm:py-10">{children}</main>;
}

/** A pointer-drawn signature (mouse, finger, pen) as a PNG data URL. */
function SignaturePad({ onChange }: { onChange: (image: string | null) => void }) {
  const canvas = useRef<HTMLCanvasElement | null>(null);
  const drawing = useRef(false);
  const point = (event: React.PointerEvent<HTMLCanvasElement>) => {
    const rect = event.currentTarget.getBoundingClientRect();
    return {
      x: ((event.clientX - rect.left) / rect.width) * event.currentTarget.width,
      y: ((event.clientY - rect.top) / rect.height) * event.currentTarget.height,
    };
  };
  return (
    <div>
      <canvas
        ref={canvas}
        width={600}
        height={180}
        aria-label="Draw your signature"
        className="h-36 w-full touch-none rounded-md bg-white ring-1 ring-slate-300"
        onPointerDown={(event) => {
          const ctx = event.currentTarget.getContext('2d');
          if (!ctx) return;
          drawing.current = true;
          event.currentTarget.setPointerCapture(event.pointerId);
          const p = point(event);
          ctx.lineWidth = 3;
          ctx.lineCap = 'round';
          ctx.strokeStyle = '#0f172a';
          ctx.beginPath();
          ctx.moveTo(p.x, p.y);
        }}
        onPointerMove={(event) => {
          if (!drawing.current) return;
          const ctx = event.currentTarget.getContext('2d');
          const p = point(event);
          ctx?.lineTo(p.x, p.y);
          ctx?.stroke();
        }}
        onPointerUp={(event) => {
          drawing.current = false;
          onChange(event.currentTarget.toDataURL('image/png'));
        }}
      />
      <Button
        size="sm"
        variant="ghost"
        className="mt-1"
        onClick={() => {
          const c = canvas.current;
          c?.getContext('2d')?.clearRect(0, 0, c.width, c.height);
          onChange(null);
        }}
      >
        Clear
      </Button>
    </div>
  );
}
