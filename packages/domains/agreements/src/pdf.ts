import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from '@cantoo/pdf-lib';
import type { Section } from './contracts.ts';

/**
 * The signed contract as a PDF (@cantoo/pdf-lib, the maintained pdf-lib fork): the sections, a
 * signatures page (typed names, drawn images) and the audit certificate (signers, times, IPs,
 * the document's SHA-256 and every audit entry with its hash). Text is drawn with the standard
 * fonts, so characters outside WinAnsi are replaced; the PDF is saved without object streams so
 * the signature placeholder can be added to it (seal.ts).
 */

export interface RenderSigner {
  id: string;
  position: number;
  name: string;
  email: string;
  role: string | null;
  signedAt: Date | null;
  ip: string | null;
  userAgent: string | null;
  kind: 'typed' | 'drawn' | null;
  text: string | null;
  /** PNG data URL of a drawn signature. */
  image: string | null;
}

export interface RenderAuditEntry {
  seq: number;
  type: string;
  at: Date;
  actorName: string | null;
  actorEmail: string | null;
  ip: string | null;
  hash: string;
}

export interface RenderInput {
  organizationName: string;
  title: string;
  contractId: string;
  documentHash: string;
  sections: readonly Section[];
  signers: readonly RenderSigner[];
  audit: readonly RenderAuditEntry[];
  completedAt: Date;
}

const PAGE: [number, number] = [595.28, 841.89]; // A4
const MARGIN = 56;
const REPLACEMENTS: Record<string, string> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201c': '"',
  '\u201d': '"',
  '\u2013': '-',
  '\u2014': '-',
  '\u2026': '...',
  '\u00a0': ' ',
  '\u2212': '-',
  '\u00d7': 'x',
};

/** Keeps what the standard fonts can draw (printable Latin-1); everything else becomes "?". */
export function drawable(text: string): string {
  let out = '';
  for (const char of text) {
    const replaced = REPLACEMENTS[char] ?? char;
    for (const c of replaced) {
      const code = c.codePointAt(0) ?? 63;
      out += (code >= 0x20 && code <= 0x7e) || (code >= 0xa1 && code <= 0xff) ? c : c === '\t' ? '    ' : '?';
    }
  }
  return out;
}

class Writer {
  page: PDFPage;
  y = PAGE[1] - MARGIN;
  pages = 0;
  readonly doc: PDFDocument;
  readonly fonts: { regular: PDFFont; bold: PDFFont; italic: PDFFont; mono: PDFFont };
  readonly footer: string;

  constructor(doc: PDFDocument, fonts: Writer['fonts'], footer: string) {
    this.doc = doc;
    this.fonts = fonts;
    this.footer = footer;
    this.page = this.newPage();
  }

  newPage(): PDFPage {
    const page = this.doc.addPage(PAGE);
    this.pages += 1;
    page.drawText(drawable(`${this.footer} - page ${this.pages}`), { x: MARGIN, y: 28, size: 7, font: this.fonts.regular, color: rgb(0.45, 0.45, 0.45) });
    this.page = page;
    this.y = PAGE[1] - MARGIN;
    return page;
  }

  ensure(height: number): void {
    if (this.y - height < MARGIN) this.newPage();
  }

  /** Wrapped text at the current position; a new page when it runs out. */
  text(text: string, options: { size?: number; font?: PDFFont; gap?: number; color?: [number, number, number] } = {}): void {
    const size = options.size ?? 10.5;
    const font = options.font ?? this.fonts.regular;
    const width = PAGE[0] - MARGIN * 2;
    const lineHeight = size * 1.4;
    for (const paragraph of drawable(text).split('\n')) {
      const words = paragraph.split(/ +/);
      let line = '';
      const flush = () => {
        this.ensure(lineHeight);
        this.page.drawText(line, { x: MARGIN, y: this.y - size, size, font, color: rgb(...(options.color ?? [0.1, 0.1, 0.1])) });
        this.y -= lineHeight;
        line = '';
      };
      for (const word of words) {
        const candidate = line ? `${line} ${word}` : word;
        if (font.widthOfTextAtSize(candidate, size) > width && line) {
          flush();
          line = word;
        } else line = candidate;
        // A single word wider than the line is cut.
        while (font.widthOfTextAtSize(line, size) > width && line.length > 1) {
          let cut = line.length - 1;
          while (cut > 1 && font.widthOfTextAtSize(line.slice(0, cut), size) > width) cut -= 1;
          const rest = line.slice(cut);
          line = line.slice(0, cut);
          flush();
          line = rest;
        }
      }
      if (line || paragraph === '') flush();
    }
    this.y -= options.gap ?? 4;
  }
}

function dataUrlBytes(dataUrl: string): Uint8Array | null {
  const match = /^data:image\/png;base64,(.+)$/.exec(dataUrl);
  return match?.[1] ? new Uint8Array(Buffer.from(match[1], 'base64')) : null;
}

const when = (date: Date | null) => (date ? `${date.toISOString().replace('T', ' ').slice(0, 19)} UTC` : '-');

export async function renderContractPdf(input: RenderInput): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(drawable(input.title));
  doc.setProducer('UBOS agreements');
  doc.setCreationDate(input.completedAt);
  doc.setModificationDate(input.completedAt);
  const fonts = {
    regular: await doc.embedFont(StandardFonts.Helvetica),
    bold: await doc.embedFont(StandardFonts.HelveticaBold),
    italic: await doc.embedFont(StandardFonts.TimesRomanItalic),
    mono: await doc.embedFont(StandardFonts.Courier),
  };
  const w = new Writer(doc, fonts, `${input.title} - ${input.contractId} - SHA-256 ${input.documentHash}`);

  w.text(input.organizationName, { size: 9, color: [0.4, 0.4, 0.4] });
  w.text(input.title, { size: 20, font: fonts.bold, gap: 12 });
  for (const section of input.sections) {
    w.ensure(40);
    w.text(section.title, { size: 13, font: fonts.bold, gap: 6 });
    for (const paragraph of section.body.split(/\n{2,}/)) w.text(paragraph, { gap: 8 });
    w.y -= 6;
  }

  // Signatures.
  w.newPage();
  w.text('Signatures', { size: 16, font: fonts.bold, gap: 12 });
  for (const signer of input.signers) {
    w.ensure(120);
    w.text(`${signer.position}. ${signer.name}${signer.role ? ` (${signer.role})` : ''} <${signer.email}>`, { font: fonts.bold });
    if (signer.kind === 'drawn' && signer.image) {
      const bytes = dataUrlBytes(signer.image);
      if (bytes) {
        const png = await doc.embedPng(bytes);
        const scale = Math.min(220 / png.width, 70 / png.height, 1);
        w.ensure(png.height * scale + 10);
        w.page.drawImage(png, { x: MARGIN, y: w.y - png.height * scale, width: png.width * scale, height: png.height * scale });
        w.y -= png.height * scale + 6;
      }
    } else if (signer.text) {
      w.text(signer.text, { size: 22, font: fonts.italic, gap: 2 });
    }
    w.page.drawLine({ start: { x: MARGIN, y: w.y }, end: { x: MARGIN + 240, y: w.y }, thickness: 0.6, color: rgb(0.3, 0.3, 0.3) });
    w.y -= 6;
    w.text(`Signed ${when(signer.signedAt)} from ${signer.ip ?? 'an unknown address'}`, { size: 8.5, color: [0.35, 0.35, 0.35], gap: 16 });
  }

  // The audit certificate.
  w.newPage();
  w.text('Audit certificate', { size: 16, font: fonts.bold, gap: 8 });
  w.text(`Document: ${input.title}`, { size: 9.5 });
  w.text(`Contract id: ${input.contractId}`, { size: 9.5 });
  w.text(`Completed: ${when(input.completedAt)}`, { size: 9.5 });
  w.text('Document SHA-256 (the content every signer signed):', { size: 9.5, gap: 0 });
  w.text(input.documentHash, { size: 8.5, font: fonts.mono, gap: 10 });
  w.text('Signers', { size: 12, font: fonts.bold, gap: 4 });
  for (const signer of input.signers) {
    w.text(
      `${signer.position}. ${signer.name} <${signer.email}> - signed ${when(signer.signedAt)} - IP ${signer.ip ?? '-'} - ${signer.kind ?? '-'} signature`,
      { size: 9 },
    );
    if (signer.userAgent) w.text(`   ${signer.userAgent.slice(0, 160)}`, { size: 7.5, color: [0.4, 0.4, 0.4] });
  }
  w.y -= 6;
  w.text('Audit log (hash-chained: each entry hashes the previous one)', { size: 12, font: fonts.bold, gap: 4 });
  for (const entry of input.audit) {
    w.text(
      `#${entry.seq} ${entry.type} - ${when(entry.at)} - ${entry.actorName ?? 'system'}${entry.actorEmail ? ` <${entry.actorEmail}>` : ''}${entry.ip ? ` - IP ${entry.ip}` : ''}`,
      { size: 8.5, gap: 0 },
    );
    w.text(`   ${entry.hash}`, { size: 7, font: fonts.mono, color: [0.4, 0.4, 0.4], gap: 3 });
  }
  w.y -= 8;
  w.text(
    "This document is sealed with a PAdES signature of the sending organization's installation; any change to it after sealing invalidates that signature.",
    {
      size: 8,
      color: [0.35, 0.35, 0.35],
    },
  );
  return doc.save({ useObjectStreams: false });
}
