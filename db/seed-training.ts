import { randomBytes, randomInt, randomUUID } from "node:crypto";
import type { Db } from "./client";
import {
  certifications,
  courseModules,
  courses,
  enrollments,
  moduleCompletions,
  quizAttempts,
  quizQuestions,
} from "./schema";

/**
 * The demo world's training: four published courses with real content and
 * quizzes, and demo staff at various stages (certified, in progress, one
 * certification about to expire, one expired). Called by seed.ts inside its
 * transaction; every table gets one batched insert, so it stays fast.
 */

interface SeedQuestion {
  kind: "single" | "multiple";
  prompt: string;
  options: string[];
  /** Indexes into `options`. */
  correct: number[];
}

interface SeedModule {
  title: string;
  body: string;
  videoUrl?: string;
  inRecertification?: boolean;
  quiz?: { passPercent: number; attemptsAllowed: number; cooldownMinutes: number; questions: SeedQuestion[] };
}

interface SeedCourse {
  key: string;
  title: string;
  summary: string;
  audience: "sales" | "technical";
  estimatedMinutes: number;
  prerequisites: string[];
  certificationName: string;
  validityMonths: number;
  /** Days before `now` the course was published. */
  publishedDaysAgo: number;
  modules: SeedModule[];
}

const quiz = (questions: SeedQuestion[], passPercent = 75) => ({
  passPercent,
  attemptsAllowed: 3,
  cooldownMinutes: 1440,
  questions,
});

// ---------------------------------------------------------------------------------------------------------------
// Course content

const SMTP_AND_RELAY = `A **mail relay** is a mail transfer agent (MTA) that accepts messages from your own systems and
delivers them onwards: to the Internet, to a partner, or to an internal mailbox server. Applications, printers,
line-of-business systems and mail clients hand their mail to the relay; the relay takes responsibility for getting it
delivered, retrying when the other side is unavailable and reporting when it cannot.

![A client submits to the relay on port 587; the relay asks DNS for the MX and delivers on port 25](/training/relay-path.svg)

## Why customers put a relay in the middle

- **One exit point.** Firewalls only allow outbound port 25 from the relay, so a compromised PC cannot spew spam.
- **Consistent policy.** TLS, DKIM signing, size limits, rate limits and disclaimers are applied in one place.
- **Resilience.** If the receiving side is down, the relay queues and retries; the application does not have to.
- **Visibility.** One log shows what left the company, when, and what the receiver answered.

## The SMTP conversation

SMTP is a plain-text, line-based protocol. The client opens a TCP connection, the server greets it, and the two
exchange commands and numbered replies. A complete transaction looks like this:

~~~
S: 220 relay.example.com ESMTP ready
C: EHLO app01.example.com
S: 250-relay.example.com
S: 250-SIZE 52428800
S: 250-STARTTLS
S: 250 AUTH PLAIN LOGIN
C: MAIL FROM:<invoices@example.com>
S: 250 2.1.0 Ok
C: RCPT TO:<ap@customer.example.net>
S: 250 2.1.5 Ok
C: DATA
S: 354 End data with <CR><LF>.<CR><LF>
C: From: Billing <invoices@example.com>
C: To: Accounts Payable <ap@customer.example.net>
C: Subject: Invoice 2026-0142
C:
C: Please find the invoice attached.
C: .
S: 250 2.0.0 Ok: queued as 4R7Tq52xKz
C: QUIT
S: 221 2.0.0 Bye
~~~

Note the difference between the **envelope** (\`MAIL FROM\` and \`RCPT TO\`, which decide where the message goes and
where bounces return) and the **headers** (\`From:\`, \`To:\`, \`Subject:\` inside the data, which the recipient sees).
They often match, but they do not have to: a mailing list or a Bcc recipient is a case where they differ.

## Open relays and relay restrictions

A relay that forwards mail from *anyone* to *anyone* is an **open relay**. Spammers find open relays within hours,
and the relay's address ends up on blocklists, after which even the customer's legitimate mail is refused. A correctly
configured relay accepts mail for external domains only from:

1. hosts in the customer's own networks (the application servers and the office ranges), and
2. users who authenticate with SMTP AUTH, normally on the submission port 587 with TLS.

Everything else is answered with \`554 5.7.1 Relay access denied\`. Mail *to* the customer's own domains can still be
accepted from anyone, because that is how inbound mail arrives.

## Smart hosts

Sometimes the relay does not deliver to the Internet directly but forwards everything to a **smart host**, for example
a provider's outbound gateway. The configuration is the same idea one level up: the smart host must recognise the
relay (by address or by authentication) and will do the final delivery.`;

const QUEUES_AND_BOUNCES = `Delivery over the Internet fails all the time, and most failures are temporary. A relay's
job is to tell the temporary failures from the permanent ones, to keep trying the former patiently, and to report the
latter clearly.

## The queues

Most MTAs keep several queues. The names vary between products, but the roles are the same:

- **incoming**: messages just accepted, waiting to be processed (content checks, signing);
- **active**: messages the delivery agents are working on right now;
- **deferred**: messages that could not be delivered yet and wait for their next retry;
- **hold**: messages an administrator has parked on purpose.

A growing deferred queue is the first sign of trouble: a receiver that is down, a DNS problem, or a blocklisting of
the relay's address. On a Postfix-based relay you can inspect it like this:

~~~
$ postqueue -p | tail -n 1
-- 1423 Kbytes in 212 Requests.
$ postqueue -p | grep -c '^[0-9A-F]'
212
$ grep 4R7Tq52xKz /var/log/mail.log
... status=deferred (host mx1.customer.example.net[192.0.2.25] said:
    451 4.7.1 Greylisted, please try again in 5 minutes (in reply to RCPT TO command))
~~~

## Reading the reply codes

Every SMTP reply starts with a three-digit code; the first digit says what kind of answer it is:

| First digit | Meaning | What the relay does |
| --- | --- | --- |
| 2 | Success | Done; the receiver has taken responsibility |
| 3 | Continue | Send more (e.g. \`354\` after DATA) |
| 4 | Transient failure | Keep the message, retry later |
| 5 | Permanent failure | Stop trying for that recipient, send a bounce |

Most servers add an **enhanced status code** such as \`4.7.1\` or \`5.1.1\` that says more precisely what went wrong:
\`5.1.1\` is "no such user", \`4.2.2\` "mailbox full", \`5.7.1\` "refused by policy". A connection that times out or
is refused counts as a transient failure, exactly like a 4xx reply.

## Retries and the maximum queue lifetime

A deferred message is retried on a growing schedule: a few minutes at first, then every half hour, then every hour.
Retrying faster does not help (the receiver is busy or has asked you to wait) and can get the relay throttled. After
the **maximum queue lifetime**, commonly five days, the relay gives up and returns the message to the envelope sender
with a delivery status notification (a **bounce**). Many relays also send a "delayed" warning after a few hours, so
that the sender is not surprised five days later.

## Bounces and backscatter

A bounce goes to the **envelope sender** (\`MAIL FROM\`), never to the \`From:\` header. That is why a relay must reject
problems *during* the SMTP conversation whenever it can: if it accepts a message for a non-existent recipient and
bounces it later, the bounce goes to whatever address the sender claimed, which for spam is a forged, innocent
third party. Those stray bounces are called **backscatter**, and sending them gets a relay blocklisted quickly.`;

const DNS_FOR_MAIL = `Mail delivery is steered by DNS, and receivers judge the sender largely by what DNS says about
it. A relay engineer has to be able to read and write five kinds of records.

## MX: where mail for a domain goes

An MX record names the hosts that accept mail for a domain, each with a **preference**: lower numbers are tried
first; equal numbers share the load.

~~~
example.com.        3600  IN  MX   10 mx1.example.com.
example.com.        3600  IN  MX   20 mx2.example.com.
mx1.example.com.    3600  IN  A    192.0.2.25
mx2.example.com.    3600  IN  A    198.51.100.25
25.2.0.192.in-addr.arpa.  IN  PTR  mx1.example.com.
~~~

The relay's own sending address needs a **PTR** (reverse DNS) record whose name resolves back to the same address.
Many receivers refuse or penalise mail from addresses without matching forward and reverse DNS.

## SPF: which hosts may send for the domain

SPF is a TXT record listing the hosts allowed to use the domain in the envelope sender:

~~~
example.com.  IN  TXT  "v=spf1 ip4:192.0.2.0/28 include:_spf.mailprovider.example -all"
~~~

\`-all\` means "everything else fails"; \`~all\` is a soft fail. SPF evaluation may cause **at most 10 DNS lookups**
(\`include\`, \`a\`, \`mx\`, \`redirect\` and friends count); a record that needs more results in a permanent error,
which receivers treat as a failure. SPF also breaks on plain forwarding, because the forwarder is not in the list.

## DKIM: a signature that survives forwarding

With DKIM the relay signs selected headers and the body with a private key. The public key is published under a
**selector** in the \`_domainkey\` subdomain:

~~~
relay2026._domainkey.example.com.  IN  TXT  "v=DKIM1; k=rsa; p=MIIBIjANBgkqh...IDAQAB"
~~~

The signature travels in the \`DKIM-Signature:\` header (with \`d=example.com; s=relay2026\`), so a receiver can
verify it even after the message was forwarded. Rotate keys by publishing a new selector, switching the relay to it,
and removing the old record a few weeks later.

## DMARC: tying it to the visible From:

SPF and DKIM authenticate *some* domain; DMARC requires that at least one of them passes **in alignment** with the
domain in the \`From:\` header the recipient sees, and publishes what receivers should do when neither does:

~~~
_dmarc.example.com.  IN  TXT  "v=DMARC1; p=quarantine; pct=100; rua=mailto:dmarc-reports@example.com"
~~~

- \`p=none\` only collects reports (start here),
- \`p=quarantine\` asks receivers to treat failing mail as suspicious,
- \`p=reject\` asks them to refuse it.

The aggregate reports sent to the \`rua\` address show every source that sends with the domain; reading them is how
you find the forgotten marketing tool before moving to \`p=reject\`.`;

const STARTTLS_AND_CERTS = `SMTP was designed in 1982 without encryption. Today almost all mail between large
providers travels encrypted, and customers in regulated industries ask for proof that theirs does too. This module
covers how TLS is added to SMTP and how to give the relay a certificate that clients will accept.

## STARTTLS and implicit TLS

There are two ways to run TLS with SMTP:

- **STARTTLS** (ports 25 and 587): the connection starts in plain text, the server advertises \`STARTTLS\` in its
  EHLO reply, the client sends \`STARTTLS\`, and both sides negotiate TLS on the same connection before anything
  sensitive is sent. After the handshake the client must send EHLO again.
- **Implicit TLS** (port 465): TLS is negotiated immediately when the connection opens, as with HTTPS. RFC 8314
  recommends it for submission; many clients still use 587 with STARTTLS, and both are fine.

Between MTAs on port 25, TLS is usually **opportunistic**: the sender uses it when the receiver offers it and falls
back to plain text otherwise, because it cannot know in advance whether a given receiver supports TLS and refusing to
deliver would lose mail. The next modules show how a domain can demand more.

## The relay's certificate

A certificate for the relay must:

1. name the host clients connect to (e.g. \`relay.example.com\`) in its **Subject Alternative Name**,
2. chain to a certificate authority the clients trust (the full chain must be served, not just the leaf),
3. be within its validity period: automate renewal, for instance with ACME (Let's Encrypt), and reload the MTA
   after each renewal.

Offer TLS 1.2 and 1.3 only, and keep the MTA's TLS library up to date. Self-signed certificates work for
opportunistic TLS between MTAs but fail any client that verifies, so do not use them on a submission port.

## Testing

~~~
$ openssl s_client -starttls smtp -connect relay.example.com:25 -servername relay.example.com -brief
CONNECTION ESTABLISHED
Protocol version: TLSv1.3
Ciphersuite: TLS_AES_256_GCM_SHA384
Peer certificate: CN = relay.example.com
Verification: OK
250 CHUNKING
~~~

\`Verification: OK\` means the chain and the name check out. Run the same test against port 587 and, if used, port 465
(without \`-starttls\`). Check the relay's logs too: most MTAs log the TLS version and cipher of every connection,
which is the evidence auditors ask for.`;

const SMTP_AUTH = `Users and applications outside the relay's trusted networks must prove who they are before the
relay accepts mail for external recipients. That is SMTP authentication, and it belongs on the **submission port**.

## Port 25 versus port 587

- **Port 25** is for MTA-to-MTA transfer. Receivers accept mail for their own domains from anyone and do not ask for
  authentication. Many ISPs and clouds block outbound port 25 from end-user networks.
- **Port 587** (RFC 6409) is for **message submission** by clients and applications. Authentication is required,
  STARTTLS is expected, and the relay may fix up incomplete messages (add a \`Date:\` or \`Message-ID:\` header).
- **Port 465** is submission with implicit TLS, as covered in the previous module.

## Mechanisms

The server lists its mechanisms in the EHLO reply (\`250-AUTH PLAIN LOGIN SCRAM-SHA-256\`):

| Mechanism | How the secret travels | Notes |
| --- | --- | --- |
| PLAIN | base64 of user and password | simple and universal; **only over TLS** |
| LOGIN | base64, in two steps | legacy clients; only over TLS |
| SCRAM-SHA-256 | challenge and response | the password never crosses the wire |
| XOAUTH2 / OAUTHBEARER | an OAuth access token | for providers with central identity |

Base64 is an encoding, not encryption: anyone who sees an AUTH PLAIN exchange on an unencrypted connection has the
password. A relay must therefore advertise password mechanisms only after STARTTLS:

~~~
C: EHLO laptop.example.com
S: 250-relay.example.com
S: 250 STARTTLS                 <- no AUTH before TLS
C: STARTTLS
S: 220 2.0.0 Ready to start TLS
   (TLS handshake)
C: EHLO laptop.example.com
S: 250-relay.example.com
S: 250 AUTH PLAIN SCRAM-SHA-256
C: AUTH PLAIN AGFsaWNlAGNvcnJlY3QgaG9yc2U=
S: 235 2.7.0 Authentication successful
~~~

## Policies that keep a submission service healthy

- **Sender restrictions.** An authenticated user may send only as their own addresses (and shared ones they are
  allowed to use). Otherwise one phished password lets an attacker send as the CEO.
- **Rate limits** per user and per application, so a compromised account is noticed and contained.
- **Brute-force protection.** Slow down or temporarily block clients after repeated failed logins, and alert on it.
- **Application credentials.** Give each application its own account or app password, never a person's password.`;

const MTA_STS_DANE = `Opportunistic STARTTLS has a weakness: an attacker in the path can remove \`STARTTLS\` from the
receiver's EHLO reply, and the sender will quietly deliver in plain text. Two standards let a receiving domain say
"always use TLS with a valid certificate when you deliver to me".

## MTA-STS

MTA-STS (RFC 8461) publishes a policy over HTTPS, so it is protected by the Web PKI. It has three parts:

~~~
; DNS: announces that a policy exists; change the id whenever the policy changes
_mta-sts.example.com.  IN  TXT  "v=STSv1; id=20260301T120000"

# https://mta-sts.example.com/.well-known/mta-sts.txt
version: STSv1
mode: enforce
mx: mx1.example.com
mx: mx2.example.com
max_age: 604800
~~~

- \`mode: testing\`: senders that fail to establish valid TLS still deliver, but report the failure.
- \`mode: enforce\`: senders must not deliver unless TLS succeeds with a valid certificate for a listed MX.
- \`mode: none\`: withdraws the policy.

Senders cache the policy for \`max_age\` seconds, which protects later connections even if an attacker interferes
with DNS. Roll out in **testing** mode first and watch the reports.

## TLS-RPT

TLS reporting (RFC 8460) tells you when senders cannot establish TLS to your MX hosts:

~~~
_smtp._tls.example.com.  IN  TXT  "v=TLSRPTv1; rua=mailto:tls-reports@example.com"
~~~

Daily JSON reports list successful and failed sessions per sending organisation. They are how you find an expired
certificate on a backup MX before it matters.

## DANE for SMTP

DANE (RFC 7672) publishes the expected certificate or key in DNS itself, in a **TLSA** record, and relies on
**DNSSEC** to make that record trustworthy. The record lives under the port and protocol of each MX host:

~~~
_25._tcp.mx1.example.com.  IN  TLSA  3 1 1 8d02536c887482bc34ff54e41d2ba659bf85b341a0a20afadb5813dcfbcf286d
~~~

\`3 1 1\` means: match the server's own certificate (3), by its public key (1), using a SHA-256 digest (1). Publish the
record for the next key *before* rotating, so that both are valid during the change. Without a DNSSEC-signed zone a
TLSA record is ignored.

## Which one?

Both can be deployed together. MTA-STS needs only an HTTPS web server and is supported by the large mailbox
providers; DANE needs DNSSEC but does not depend on certificate authorities and is widely used in Europe. The relay
should also **honour** both when it sends, so that customers' outbound mail is protected too.`;

const GATEWAY_ARCHITECTURE = `An anti-spam gateway is an MTA that stands in front of the customer's mailbox servers
and inspects every message before it is accepted. Done well, users see almost no spam and nobody notices the gateway;
done badly, it loses legitimate mail and becomes the first suspect in every complaint.

## Where it sits

1. The domain's **MX records point to the gateways**, never to the mailbox server.
2. The gateways accept, inspect and then relay clean mail to the mailbox server (Exchange, a hosted mailbox service,
   or an IMAP server).
3. The mailbox server is **locked down** to accept SMTP only from the gateways' addresses. Otherwise spammers simply
   deliver to it directly, around the filter, using the addresses they still have from the old MX records.

~~~
example.com.   IN  MX  10 gw1.example.com.
example.com.   IN  MX  10 gw2.example.com.    ; same preference: load is shared, either can take over
~~~

Run at least two gateways, in different locations if possible. Do not keep the old mailbox server as a "backup MX":
spammers prefer backup MXs precisely because they are often less protected.

## Checks in order of cost

A gateway applies the cheapest checks first and rejects as early as it can:

- **Connection:** DNS blocklists, reverse DNS, connection rate limits, protocol errors (talking before the greeting).
- **Envelope:** sender domain exists, SPF, and **recipient verification**: is this a real mailbox? The gateway learns
  valid addresses from the directory (LDAP) or asks the mailbox server, and answers unknown recipients with
  \`550 5.1.1\` during the conversation instead of accepting and bouncing later (which would create backscatter).
- **Content:** DKIM and DMARC, the spam score, attachments and URLs (next module).

## Outbound too

Most gateways also filter outbound mail. That protects the customer's reputation when an account is compromised,
and lets the same appliance apply DKIM signing and TLS policy. Outbound filtering uses stricter rate limits and lower
spam thresholds, because a burst of spam leaving the company is always an incident.`;

const CONTENT_AND_GREYLISTING = `After the connection and envelope checks, the gateway looks at the message itself. The
aim is not to decide "spam or not" with one rule, but to add up evidence into a **score** and act on thresholds.

## Scoring

Each test adds or subtracts points: a URL on a reputation list, a Bayesian classifier's verdict, a forged-looking
\`From:\`, a DMARC failure, a valid DKIM signature from a known sender. The gateway records the result in a header:

~~~
X-Spam-Status: Yes, score=7.2 required=5.0
    tests=BAYES_80=2.0,DKIM_INVALID=0.1,URIBL_BLACK=3.5,HTML_MIME_NO_HTML_TAG=0.4,RDNS_NONE=1.2
~~~

Typical thresholds:

| Score | Action |
| --- | --- |
| below 5 | deliver |
| 5 to 10 | deliver to the junk folder, tag the subject or header |
| 10 to 15 | quarantine: the user gets a digest and can release it |
| 15 and above | reject during the SMTP conversation (\`550 5.7.1\`) |

Rejecting at SMTP time is better than silently discarding: the sender learns that the message did not arrive.

## Attachments and links

- Block executable and script types outright (\`.exe\`, \`.scr\`, \`.js\`, \`.vbs\`, \`.iso\`), including inside
  archives; the gateway must unpack ZIP and RAR files to look.
- Quarantine Office documents with macros that come from outside the company.
- Rewrite or check links at click time where the product supports it: a URL that was clean at delivery can be
  weaponised an hour later.

## Greylisting

Greylisting exploits a difference in behaviour. When the gateway sees a new combination of client address, envelope
sender and recipient (a **triplet**), it answers with a temporary failure:

~~~
451 4.7.1 Greylisted, please try again in 5 minutes
~~~

A real MTA queues the message and retries, as every MTA must; the second attempt after the delay is accepted and
the triplet is remembered for weeks. Many spam tools never retry, so their mail never arrives.

The cost is a delay on first contact, typically 5 to 30 minutes, which users notice for password resets and
one-time codes. Reduce it by exempting senders with a good reputation or a valid SPF/DKIM result from large
providers (whose retries also come from a different address each time), and by greylisting only mail that already
has a moderate score.`;

const TUNING = `Every gateway makes mistakes. A **false positive** (legitimate mail treated as spam) usually costs
more than a false negative: a lost order or a missed legal notice is worse than one more spam message. Tuning is the
ongoing work of keeping both low, and it is where a partner's expertise shows.

## Measure before changing anything

- Look at the numbers per day: accepted, tagged, quarantined, rejected, and how many quarantined messages users
  released. A rising release rate means the thresholds are too tight.
- Read the score header of each reported message and note which tests fired. One rule that misfires for a whole
  industry (for example, invoices from a particular ERP system) is common and easy to fix.
- Keep a log of every change with its reason and date, so that a later problem can be traced back.

## Fix the cause, not the symptom

1. **Wrong score from one rule:** lower that rule's score for the affected pattern rather than raising the global
   threshold.
2. **A legitimate sender with broken authentication:** ask them to fix SPF or DKIM, and meanwhile allow them by a
   strong identifier.
3. **Bayesian classifier drifting:** retrain it with recent, correctly labelled ham and spam from this customer.

## Allow lists, carefully

Never allow a sender by the \`From:\` address alone: it is trivially forged, and a spammer who guesses the allow-listed
address bypasses every check. Allow by something the sender cannot fake:

- a DKIM signature that verifies for the sender's domain, or
- an SPF pass for that domain, or
- the connecting server's address, for a partner that relays from fixed hosts.

Give allow-list entries an owner and an expiry date, and review them every quarter.

## Per-user and per-group settings

Finance may want a lower quarantine threshold (invoice fraud), while the sales team wants cold replies from
unknown senders. Most gateways allow thresholds and quarantine digests per group; use them instead of one
compromise for everyone.

## A tuning checklist for the first 30 days

- Week 1: tag only, no quarantine; collect reports from a pilot group.
- Week 2: turn on quarantine with digests; review the top 20 rules that fired.
- Week 3: turn on SMTP-time rejection for scores of 15 and more; check the rejection log daily.
- Week 4: review allow lists, document the configuration, agree a monthly review with the customer.`;

const COMPLIANCE_DRIVERS = `Customers in healthcare, finance, the public sector and legal services do not buy a
mail relay because it is fast. They buy it because a regulation, an auditor or a past incident requires them to
control and prove what happens to their mail. Knowing the main drivers lets you talk about their problem instead of
our features. (This module is sales guidance, not legal advice: always let the customer's counsel interpret the law.)

## GDPR (European Union and the UK)

Email is full of personal data, so any company with EU customers or staff is concerned.

- **Article 32, security of processing:** "appropriate technical and organisational measures", which in practice
  means encryption in transit (enforced TLS), access control and logging.
- **Article 28, processors:** a service that handles mail on the customer's behalf is usually a **processor** and must
  sign a data processing agreement (DPA) with the customer, the controller.
- **Breach notification:** a personal data breach must be reported to the supervisory authority **within 72 hours**
  of becoming aware of it, where feasible. Good logs make the difference between "we know exactly which messages were
  affected" and "we have to assume all of them".
- **International transfers:** where mail is processed and stored matters; EU hosting options simplify the answer.

## HIPAA (United States healthcare)

- Protects **PHI** (protected health information). Email containing patient details is PHI.
- A vendor that handles PHI for a covered entity is a **business associate** and must sign a **Business Associate
  Agreement (BAA)** before any PHI flows.
- The Security Rule expects transmission security (encryption), audit controls and integrity controls.

## Financial services archiving

- **US broker-dealers:** SEC Rule 17a-4 and FINRA Rule 4511 require business communications to be retained, typically
  for at least three to six years, in a form that cannot be altered or deleted (**WORM**) or an equivalent audit-trail
  system, and produced promptly on request.
- **EU investment firms:** MiFID II requires records of communications relating to transactions, kept for five years
  (up to seven on request).
- Common to all: the archive must be complete (journal every message, inbound and outbound), searchable, and
  tamper-evident.

## What the relay contributes

| Requirement | How the relay helps |
| --- | --- |
| Encryption in transit | enforced TLS per destination, MTA-STS and DANE, TLS reports as evidence |
| Audit controls | a log of every message: sender, recipients, time, TLS version, the receiver's reply |
| Archiving | journaling every message to the customer's archive, including Bcc recipients |
| Data residency | regional deployment; mail is processed where the customer needs it |

Position the relay as the **control point** that makes these requirements achievable and provable.`;

const QUALIFYING = `Regulated deals are slower, involve more people and are decided on risk, not price. Qualify hard
and early: a deal without a compliance driver and a date is usually not a deal yet.

## Discovery questions that work

- "Which regulations and which regulator do you answer to? When is your next audit?"
- "What did the last audit or penetration test say about email?"
- "Which kinds of sensitive data travel by email today: patient records, account statements, contracts?"
- "How do you prove today that a message to a customer was sent encrypted?"
- "How are messages archived, and how long does it take to produce all mail about one client?"
- "Has there been an incident: a misdirected email, a compromised account, a fine?"

An audit date or a recent finding gives the deal **urgency**; a named regulator and data type give it **scope**.

## Who is involved

- **Compliance officer or DPO:** owns the requirement; needs evidence and contract terms (DPA, BAA).
- **CISO or security team:** owns the risk; cares about TLS enforcement, authentication, logging, incident response.
- **IT operations:** owns the mail flow; cares about migration effort, availability and support.
- **Procurement and legal:** vendor assessment questionnaires, data processing terms, hosting location.

Map them early. A technical champion without the compliance officer's support rarely gets a regulated deal signed.

## Positioning

1. **Lead with their risk and their evidence problem,** not with features: "When the auditor asks, you will be able to
   show a report of every message and the TLS version it left with."
2. **Never promise compliance.** No product makes a company GDPR or HIPAA compliant; say that the relay helps meet
   specific safeguards and provides the evidence, and that the vendor signs a DPA or a BAA where applicable.
3. **Complement, do not replace.** Most prospects already use a hosted mailbox service. The relay adds enforced TLS
   per destination, one policy for applications and devices, journaling to the archive, and independent logs.

## Common objections

- *"Our mailbox provider already encrypts."* Opportunistic TLS is not enforced TLS: ask how they prove a given message
  to a given bank was encrypted, and what happens when the receiver does not offer TLS.
- *"This is another system to run."* Offer the managed option, and show the migration plan: the MX records do not
  change for outbound relay, applications are re-pointed one by one.
- *"We need to run a security assessment first."* Good: send the completed questionnaire and the certifications
  proactively; this is where regulated deals are won or lost.

## Hand over well

When the prospect is qualified, bring in a certified technical colleague with a written summary: regulations,
stakeholders, audit date, data flows, current mail platform and the objections heard so far.`;

const demoCourses: SeedCourse[] = [
  {
    key: "mail-relay-fundamentals",
    title: "Mail relay fundamentals",
    summary:
      "How mail moves between servers and what a relay does in the middle: the SMTP conversation, queues, retries and bounces, and the DNS records (MX, SPF, DKIM, DMARC) that decide whether mail arrives.",
    audience: "technical",
    estimatedMinutes: 90,
    prerequisites: [],
    certificationName: "Certified Mail Relay Associate",
    validityMonths: 24,
    publishedDaysAgo: 700,
    modules: [
      {
        title: "SMTP and the relay's role",
        body: SMTP_AND_RELAY,
        videoUrl: "https://videos.example.com/training/smtp-conversation",
        quiz: quiz([
          {
            kind: "single",
            prompt: "Which SMTP command starts the transfer of the message content (headers and body)?",
            options: ["EHLO", "MAIL FROM", "RCPT TO", "DATA"],
            correct: [3],
          },
          {
            kind: "multiple",
            prompt: "Which of these belong to the SMTP envelope rather than to the message headers?",
            options: ["The MAIL FROM address", "The RCPT TO addresses", "The From: header", "The Subject: header"],
            correct: [0, 1],
          },
          {
            kind: "single",
            prompt: "What is an open relay?",
            options: [
              "A relay that forwards mail from anyone to anyone",
              "A relay that does not offer STARTTLS",
              "A relay that listens on port 25",
              "A relay that keeps no queue",
            ],
            correct: [0],
          },
          {
            kind: "multiple",
            prompt: "From whom should a company's relay accept mail addressed to external domains?",
            options: [
              "Hosts in the company's own networks",
              "Users who authenticate with SMTP AUTH",
              "Any host that sends a valid EHLO name",
              "Any host whose reverse DNS resolves",
            ],
            correct: [0, 1],
          },
        ]),
      },
      {
        title: "Queues, retries and bounces",
        body: QUEUES_AND_BOUNCES,
        quiz: quiz([
          {
            kind: "single",
            prompt: 'A receiving server answers 451 4.7.1 "Try again later". What should the relay do?',
            options: [
              "Return a bounce to the sender at once",
              "Keep the message in the deferred queue and retry later",
              "Discard the message",
              "Forward the message to the postmaster",
            ],
            correct: [1],
          },
          {
            kind: "single",
            prompt: "Which reply tells the relay that the recipient address does not exist?",
            options: ["250 2.0.0", "421 4.3.2", "550 5.1.1", "354"],
            correct: [2],
          },
          {
            kind: "multiple",
            prompt: "Which of these are transient failures that the relay should retry?",
            options: [
              "421 4.3.2 Service not available",
              "452 4.2.2 Mailbox full",
              "550 5.1.1 User unknown",
              "The connection timed out",
            ],
            correct: [0, 1, 3],
          },
          {
            kind: "single",
            prompt: "A deferred message reaches the maximum queue lifetime (e.g. five days). What happens?",
            options: [
              "The relay keeps retrying forever",
              "The relay returns a delivery status notification to the envelope sender",
              "The relay sends a bounce to the address in the From: header",
              "The relay deletes it without telling anyone",
            ],
            correct: [1],
          },
          {
            kind: "single",
            prompt:
              "Why should a relay reject unknown recipients during the SMTP conversation instead of bouncing later?",
            options: [
              "Later bounces go to forged senders (backscatter) and get the relay blocklisted",
              "Because 5xx replies are faster to send",
              "Because DATA is optional for unknown recipients",
              "To save DNS lookups",
            ],
            correct: [0],
          },
        ]),
      },
      {
        title: "DNS: MX, SPF, DKIM, DMARC",
        body: DNS_FOR_MAIL,
        quiz: quiz([
          {
            kind: "single",
            prompt: 'A domain has two MX records: "10 mx1.example.com" and "20 mx2.example.com". Which is tried first?',
            options: ["mx1.example.com", "mx2.example.com", "Either, at random", "Both at the same time"],
            correct: [0],
          },
          {
            kind: "single",
            prompt: 'Where is the public key for the DKIM selector "relay2026" of example.com published?',
            options: [
              "A TXT record at relay2026._domainkey.example.com",
              "A TXT record at _dmarc.example.com",
              "In the MX record of example.com",
              "In the relay's TLS certificate",
            ],
            correct: [0],
          },
          {
            kind: "multiple",
            prompt: "Which statements about DMARC are true?",
            options: [
              "It requires SPF or DKIM to pass in alignment with the From: header's domain",
              "The policy is published in a TXT record at _dmarc.<domain>",
              "p=reject asks receivers to refuse mail that fails",
              "It encrypts the message body",
            ],
            correct: [0, 1, 2],
          },
          {
            kind: "single",
            prompt: "At most how many DNS lookups may an SPF evaluation cause before it results in an error?",
            options: ["3", "10", "25", "There is no limit"],
            correct: [1],
          },
        ]),
      },
    ],
  },
  {
    key: "secure-relay-tls-auth",
    title: "Secure relay configuration: TLS and authentication",
    summary:
      "Encrypting and authenticating mail flows end to end: STARTTLS and certificates, SMTP AUTH on the submission port, and MTA-STS and DANE to stop downgrade attacks.",
    audience: "technical",
    estimatedMinutes: 120,
    prerequisites: ["mail-relay-fundamentals"],
    certificationName: "Certified Secure Relay Engineer",
    validityMonths: 24,
    publishedDaysAgo: 600,
    modules: [
      {
        title: "STARTTLS and certificates",
        body: STARTTLS_AND_CERTS,
        quiz: quiz([
          {
            kind: "single",
            prompt: "What does the STARTTLS command do?",
            options: [
              "Upgrades an existing plain-text SMTP connection to TLS",
              "Opens a second connection on port 465",
              "Signs the message with DKIM",
              "Checks the sender's SPF record",
            ],
            correct: [0],
          },
          {
            kind: "multiple",
            prompt: "A client verifies the relay's certificate. Which must be true for the check to pass?",
            options: [
              "The host name the client connects to is in the certificate's Subject Alternative Name",
              "The chain leads to a certificate authority the client trusts",
              "The certificate is within its validity period",
              "The certificate is self-signed",
            ],
            correct: [0, 1, 2],
          },
          {
            kind: "single",
            prompt: "Which command tests STARTTLS on a relay from a shell?",
            options: [
              "openssl s_client -starttls smtp -connect relay.example.com:25",
              "ping relay.example.com",
              "dig MX relay.example.com",
              "curl https://relay.example.com:25",
            ],
            correct: [0],
          },
          {
            kind: "single",
            prompt: "Why is TLS between MTAs on port 25 usually opportunistic?",
            options: [
              "A sender cannot know in advance whether a receiver supports TLS, and refusing to deliver would lose mail",
              "TLS is not allowed on port 25",
              "Certificates cannot be used by MTAs",
              "Opportunistic TLS is stronger than verified TLS",
            ],
            correct: [0],
          },
        ]),
      },
      {
        title: "SMTP AUTH mechanisms and the submission port 587",
        body: SMTP_AUTH,
        quiz: quiz([
          {
            kind: "single",
            prompt: "Which port is the standard for message submission by clients using STARTTLS?",
            options: ["25", "110", "587", "993"],
            correct: [2],
          },
          {
            kind: "single",
            prompt: "How does AUTH PLAIN send the user name and password?",
            options: [
              "Base64-encoded, which is not encryption: offer it only after TLS",
              "Encrypted with the server's public key",
              "As a salted hash",
              "It does not send them; it uses a challenge",
            ],
            correct: [0],
          },
          {
            kind: "multiple",
            prompt: "Which are good practices for a submission service?",
            options: [
              "Advertise password mechanisms only after STARTTLS",
              "Limit the sending rate per authenticated user",
              "Let authenticated users send as any address",
              "Slow down or block clients after repeated failed logins",
            ],
            correct: [0, 1, 3],
          },
          {
            kind: "single",
            prompt: "Which mechanism never sends the password itself over the connection?",
            options: ["PLAIN", "LOGIN", "SCRAM-SHA-256", "None of them"],
            correct: [2],
          },
        ]),
      },
      {
        title: "MTA-STS and DANE",
        body: MTA_STS_DANE,
        quiz: quiz([
          {
            kind: "single",
            prompt: "Where does a domain publish its MTA-STS policy?",
            options: [
              "https://mta-sts.<domain>/.well-known/mta-sts.txt",
              "In a TLSA record at _25._tcp.<domain>",
              "In the DKIM-Signature header",
              "In the MX record's preference field",
            ],
            correct: [0],
          },
          {
            kind: "single",
            prompt: "What does DANE for SMTP require from the receiving domain's DNS?",
            options: [
              "A DNSSEC-signed zone with TLSA records for the MX hosts",
              "An SPF record ending in -all",
              "A DMARC policy of p=reject",
              "Nothing: DANE works without DNS",
            ],
            correct: [0],
          },
          {
            kind: "multiple",
            prompt: 'Which statements about MTA-STS in "mode: testing" are true?',
            options: [
              "Senders report TLS failures but still deliver",
              'It is the recommended first step before "enforce"',
              "Senders refuse delivery when TLS fails",
              "It disables STARTTLS",
            ],
            correct: [0, 1],
          },
          {
            kind: "single",
            prompt: "Under which name is the TLSA record for the MX host mx1.example.com on port 25 published?",
            options: [
              "_25._tcp.mx1.example.com",
              "_mta-sts.mx1.example.com",
              "_dmarc.mx1.example.com",
              "tlsa._domainkey.mx1.example.com",
            ],
            correct: [0],
          },
        ]),
      },
    ],
  },
  {
    key: "anti-spam-gateway",
    title: "Anti-spam gateway deployment",
    summary:
      "Deploying an anti-spam gateway in front of a customer's mailboxes: architecture and lock-down, content filtering and greylisting, and tuning false positives in the first month.",
    audience: "technical",
    estimatedMinutes: 100,
    prerequisites: [],
    certificationName: "Certified Anti-Spam Gateway Specialist",
    validityMonths: 24,
    publishedDaysAgo: 500,
    modules: [
      {
        title: "Gateway architecture",
        body: GATEWAY_ARCHITECTURE,
        // Renewals skip the architecture basics: they take filtering and tuning again.
        inRecertification: false,
        quiz: quiz([
          {
            kind: "single",
            prompt: "After the gateway is deployed, where should the domain's MX records point?",
            options: [
              "To the gateways",
              "To the mailbox server",
              "To the gateway and, as a backup, the mailbox server",
              "To the customer's web server",
            ],
            correct: [0],
          },
          {
            kind: "multiple",
            prompt: "Which measures protect the mailbox server behind the gateway?",
            options: [
              "Accept SMTP only from the gateways' addresses",
              "Keep the old MX record pointing to it as a backup",
              "Have the gateway verify recipients before accepting mail",
              "Give the mailbox server the lowest MX preference",
            ],
            correct: [0, 2],
          },
          {
            kind: "single",
            prompt: "Why does the gateway verify recipients during the SMTP conversation?",
            options: [
              "To reject unknown recipients with 550 instead of accepting and bouncing later",
              "To measure the mailbox sizes",
              "To deliver faster",
              "Because SPF requires it",
            ],
            correct: [0],
          },
        ]),
      },
      {
        title: "Content filtering and greylisting",
        body: CONTENT_AND_GREYLISTING,
        quiz: quiz([
          {
            kind: "single",
            prompt:
              "Greylisting answers the first attempt of an unknown (client address, sender, recipient) triplet with a temporary failure. Why does that stop much spam?",
            options: [
              "Many spam tools do not retry, while real MTAs always do",
              "Spam tools cannot read 4xx replies",
              "The triplet is checked against DMARC",
              "Greylisting blocks all first-time senders permanently",
            ],
            correct: [0],
          },
          {
            kind: "single",
            prompt: "Which reply does greylisting send?",
            options: ["250 2.0.0", "451 4.7.1", "550 5.7.1", "221 2.0.0"],
            correct: [1],
          },
          {
            kind: "multiple",
            prompt: "Which attachment policies are sensible for a gateway?",
            options: [
              "Block executable and script types, including inside archives",
              "Quarantine Office documents with macros that come from outside",
              "Let ZIP archives through without unpacking them",
              "Strip every attachment from every message",
            ],
            correct: [0, 1],
          },
          {
            kind: "single",
            prompt:
              "A message scores 7.2. The tag threshold is 5, the quarantine threshold 10 and the reject threshold 15. What happens?",
            options: [
              "It is delivered, tagged as spam (junk folder)",
              "It is quarantined",
              "It is rejected during the SMTP conversation",
              "It is delivered untagged",
            ],
            correct: [0],
          },
        ]),
      },
      {
        title: "Tuning false positives",
        body: TUNING,
      },
    ],
  },
  {
    key: "regulated-industries",
    title: "Selling to regulated industries",
    summary:
      "Why healthcare, finance and the public sector buy mail relays: the compliance drivers (GDPR, HIPAA, financial archiving), and how to qualify, position and hand over a regulated deal.",
    audience: "sales",
    estimatedMinutes: 60,
    prerequisites: [],
    certificationName: "Regulated Industries Sales Specialist",
    validityMonths: 12,
    publishedDaysAgo: 450,
    modules: [
      {
        title: "Compliance drivers: GDPR, HIPAA and financial archiving",
        body: COMPLIANCE_DRIVERS,
        quiz: quiz([
          {
            kind: "single",
            prompt:
              "Under HIPAA, what must a healthcare provider sign with a vendor that handles protected health information on its behalf?",
            options: [
              "A Business Associate Agreement (BAA)",
              "A non-disclosure agreement only",
              "A data processing agreement under GDPR Article 28",
              "Nothing, if the vendor encrypts the mail",
            ],
            correct: [0],
          },
          {
            kind: "single",
            prompt:
              "Under GDPR, within how many hours must a controller notify the supervisory authority of a personal data breach, where feasible?",
            options: ["24", "48", "72", "168"],
            correct: [2],
          },
          {
            kind: "multiple",
            prompt: "Which are typical requirements of financial-services record keeping?",
            options: [
              "Retain business communications for a set period (years, not weeks)",
              "Keep records in a form that cannot be altered or deleted (WORM) where the rules require it",
              "Search and produce records promptly when the regulator asks",
              "Delete all mail after 30 days",
            ],
            correct: [0, 1, 2],
          },
          {
            kind: "single",
            prompt: "Under GDPR, a relay service that processes mail on a customer's behalf is usually a…",
            options: ["Controller", "Processor", "Supervisory authority", "Data subject"],
            correct: [1],
          },
        ]),
      },
      {
        title: "Qualifying and positioning",
        body: QUALIFYING,
        quiz: quiz([
          {
            kind: "multiple",
            prompt: "Whom do you usually need on board in a regulated deal?",
            options: [
              "The compliance officer or data protection officer",
              "The CISO or security team",
              "IT operations",
              "The customer's marketing agency",
            ],
            correct: [0, 1, 2],
          },
          {
            kind: "single",
            prompt: 'A prospect asks: "Will your product make us HIPAA compliant?" What is the best answer?',
            options: [
              "No product makes you compliant by itself; the relay helps meet specific safeguards, provides the evidence, and we sign a BAA",
              "Yes, fully compliant from day one",
              "HIPAA does not apply to email",
              "Only if you buy the premium edition",
            ],
            correct: [0],
          },
          {
            kind: "single",
            prompt: "Which discovery question best reveals the urgency of a regulated deal?",
            options: [
              "When is your next audit, and what did the last one say about email?",
              "How many mailboxes do you have?",
              "Which mail client do your users prefer?",
              "What is your budget for next year?",
            ],
            correct: [0],
          },
        ]),
      },
    ],
  },
];

/** The keys of the demo courses, for tests and callers. */
export const demoCourseKeys = demoCourses.map((c) => c.key);

// ---------------------------------------------------------------------------------------------------------------
// Demo progress

const DAY = 86_400_000;

/** `date` plus `months` calendar months (UTC), the day clamped to the month's end. */
function addMonths(date: Date, months: number): Date {
  const m = date.getUTCMonth() + months;
  const year = date.getUTCFullYear() + Math.floor(m / 12);
  const month = ((m % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const d = new Date(date);
  d.setUTCFullYear(year, month, Math.min(date.getUTCDate(), lastDay));
  return d;
}

/** Same alphabet and length as the certifications module's codes (no 0/O, 1/I/L), from the CSPRNG. */
const CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
function verificationCode(): string {
  let code = "";
  for (let i = 0; i < 12; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

type Person = { id: string; partnerId: string; email: string };

/**
 * What happens to whom, by position in `people` (deterministic). Days are
 * before `now`; a certification whose expiry must fall at a precise distance
 * from `now` is earned `earnedMonthsAgo` months plus `plusDays` days ago (its
 * status follows from the dates: expired when the expiry has passed).
 */
type Plan =
  | { course: string; state: "certified"; earnedDaysAgo: number }
  | { course: string; state: "certified"; earnedMonthsAgo: number; plusDays: number }
  | { course: string; state: "in_progress"; modulesDone: number; startedDaysAgo: number; failedOnce?: boolean };

const plans: Plan[][] = [
  [
    { course: "mail-relay-fundamentals", state: "certified", earnedDaysAgo: 290 },
    { course: "secure-relay-tls-auth", state: "certified", earnedDaysAgo: 200 },
  ],
  // Expired 20 days ago (12-month validity, earned 12 months and 20 days ago).
  [{ course: "regulated-industries", state: "certified", earnedMonthsAgo: 12, plusDays: 20 }],
  [
    { course: "mail-relay-fundamentals", state: "certified", earnedDaysAgo: 150 },
    { course: "secure-relay-tls-auth", state: "in_progress", modulesDone: 1, startedDaysAgo: 10 },
  ],
  // Expires in 21 days: earned 12 months minus 3 weeks ago.
  [{ course: "regulated-industries", state: "certified", earnedMonthsAgo: 12, plusDays: -21 }],
  [{ course: "mail-relay-fundamentals", state: "in_progress", modulesDone: 2, startedDaysAgo: 12, failedOnce: true }],
  [{ course: "anti-spam-gateway", state: "certified", earnedDaysAgo: 45 }],
  [{ course: "regulated-industries", state: "in_progress", modulesDone: 1, startedDaysAgo: 4 }],
  [
    { course: "regulated-industries", state: "certified", earnedDaysAgo: 60 },
    { course: "anti-spam-gateway", state: "in_progress", modulesDone: 1, startedDaysAgo: 8 },
  ],
  [{ course: "mail-relay-fundamentals", state: "certified", earnedDaysAgo: 100 }],
  [{ course: "anti-spam-gateway", state: "in_progress", modulesDone: 0, startedDaysAgo: 2 }],
];

export interface SeedTrainingOptions {
  now: Date;
  /** The vendor admin recorded as the courses' author. */
  authorId: string;
  /** Partner staff (admins and users) in a stable order: demo progress is assigned by position. */
  people: Person[];
}

export interface SeedTrainingResult {
  courses: number;
  certifications: number;
  enrollments: number;
}

/** Inserts the demo courses (published) and the demo staff's progress, in the caller's transaction. */
export async function seedTraining(tx: Db, opts: SeedTrainingOptions): Promise<SeedTrainingResult> {
  const { now, authorId, people } = opts;
  const ago = (days: number) => new Date(now.getTime() - days * DAY);

  type ModuleRow = typeof courseModules.$inferInsert & { id: string };
  type QuestionRow = typeof quizQuestions.$inferInsert & { id: string };
  const courseRows: (typeof courses.$inferInsert & { id: string })[] = [];
  const moduleRows: ModuleRow[] = [];
  const questionRows: QuestionRow[] = [];
  /** Per course key: its row, its modules in order, and each module's questions. */
  const byKey = new Map<
    string,
    { course: (typeof courseRows)[number]; modules: { row: ModuleRow; questions: QuestionRow[] }[] }
  >();

  for (const c of demoCourses) {
    const id = randomUUID();
    const course = {
      id,
      key: c.key,
      version: 1,
      status: "published" as const,
      title: c.title,
      summary: c.summary,
      audience: c.audience,
      estimatedMinutes: c.estimatedMinutes,
      prerequisites: c.prerequisites,
      certificationName: c.certificationName,
      validityMonths: c.validityMonths,
      createdBy: authorId,
      createdAt: ago(c.publishedDaysAgo + 14),
      publishedAt: ago(c.publishedDaysAgo),
    };
    courseRows.push(course);
    const modules: { row: ModuleRow; questions: QuestionRow[] }[] = [];
    for (const [i, m] of c.modules.entries()) {
      const row: ModuleRow = {
        id: randomUUID(),
        courseId: id,
        position: i + 1,
        title: m.title,
        body: m.body,
        videoUrl: m.videoUrl ?? null,
        inRecertification: m.inRecertification ?? true,
        ...(m.quiz
          ? {
              passPercent: m.quiz.passPercent,
              attemptsAllowed: m.quiz.attemptsAllowed,
              cooldownMinutes: m.quiz.cooldownMinutes,
              shuffle: true,
            }
          : {}),
      };
      moduleRows.push(row);
      const questions = (m.quiz?.questions ?? []).map((q, j): QuestionRow => {
        const options = q.options.map((text) => ({ id: randomBytes(4).toString("hex"), text }));
        return {
          id: randomUUID(),
          moduleId: row.id,
          position: j + 1,
          kind: q.kind,
          prompt: q.prompt,
          options,
          correct: q.correct.map((k) => options[k]!.id),
        };
      });
      questionRows.push(...questions);
      modules.push({ row, questions });
    }
    byKey.set(c.key, { course, modules });
  }

  const enrollmentRows: (typeof enrollments.$inferInsert & { id: string })[] = [];
  const completionRows: (typeof moduleCompletions.$inferInsert)[] = [];
  const attemptRows: (typeof quizAttempts.$inferInsert)[] = [];
  const certificationRows: (typeof certifications.$inferInsert)[] = [];

  /** A quiz attempt's answers: the correct ones, or (failing) a wrong pick on every other question. */
  const answersFor = (questions: QuestionRow[], fail: boolean) => {
    const answers: Record<string, string[]> = {};
    let right = 0;
    questions.forEach((q, i) => {
      if (fail && i % 2 === 0) {
        const wrong = q.options.find((o) => !q.correct.includes(o.id))!;
        answers[q.id] = [wrong.id];
      } else {
        answers[q.id] = [...q.correct];
        right++;
      }
    });
    return { answers, scorePercent: Math.floor((right * 100) / Math.max(1, questions.length)) };
  };

  for (const [index, person] of people.entries()) {
    for (const plan of plans[index] ?? []) {
      const entry = byKey.get(plan.course)!;
      const { course, modules } = entry;
      const enrollmentId = randomUUID();
      let startedAt: Date;
      let completedAt: Date | null = null;
      let done: number;
      if (plan.state === "certified") {
        completedAt =
          "earnedDaysAgo" in plan
            ? ago(plan.earnedDaysAgo)
            : new Date(addMonths(now, -plan.earnedMonthsAgo).getTime() - plan.plusDays * DAY);
        startedAt = new Date(completedAt.getTime() - 6 * DAY);
        done = modules.length;
      } else {
        startedAt = ago(plan.startedDaysAgo);
        done = Math.min(plan.modulesDone, modules.length - 1);
      }
      const span = (completedAt ?? now).getTime() - startedAt.getTime();
      const at = (step: number) => new Date(startedAt.getTime() + Math.floor((span * step) / (modules.length + 1)));
      for (const [i, m] of modules.slice(0, done).entries()) {
        const finished = completedAt && i === modules.length - 1 ? completedAt : at(i + 1);
        if (m.questions.length) {
          const failedFirst = plan.state === "in_progress" && plan.failedOnce === true && i === done - 1;
          let attemptNumber = 0;
          if (failedFirst) {
            const failed = answersFor(m.questions, true);
            attemptRows.push({
              enrollmentId,
              moduleId: m.row.id,
              partnerId: person.partnerId,
              userId: person.id,
              attemptNumber: ++attemptNumber,
              round: 1,
              answers: failed.answers,
              scorePercent: failed.scorePercent,
              passed: false,
              submittedAt: new Date(finished.getTime() - 3 * 3_600_000),
            });
          }
          const passed = answersFor(m.questions, false);
          attemptRows.push({
            enrollmentId,
            moduleId: m.row.id,
            partnerId: person.partnerId,
            userId: person.id,
            attemptNumber: ++attemptNumber,
            round: 1,
            answers: passed.answers,
            scorePercent: passed.scorePercent,
            passed: true,
            submittedAt: finished,
          });
        }
        completionRows.push({ enrollmentId, moduleId: m.row.id, partnerId: person.partnerId, completedAt: finished });
      }
      enrollmentRows.push({
        id: enrollmentId,
        partnerId: person.partnerId,
        userId: person.id,
        courseKey: course.key,
        courseId: course.id,
        kind: "initial",
        startedAt,
        lastModuleId: done > 0 ? modules[done - 1]!.row.id : null,
        completedAt,
      });
      if (plan.state === "certified" && completedAt) {
        const expiresAt = addMonths(completedAt, course.validityMonths);
        certificationRows.push({
          partnerId: person.partnerId,
          userId: person.id,
          courseKey: course.key,
          courseId: course.id,
          enrollmentId,
          name: course.certificationName,
          earnedAt: completedAt,
          expiresAt,
          code: verificationCode(),
          status: expiresAt.getTime() <= now.getTime() ? "expired" : "active",
        });
      }
    }
  }

  await tx.insert(courses).values(courseRows);
  await tx.insert(courseModules).values(moduleRows);
  if (questionRows.length) await tx.insert(quizQuestions).values(questionRows);
  if (enrollmentRows.length) await tx.insert(enrollments).values(enrollmentRows);
  if (completionRows.length) await tx.insert(moduleCompletions).values(completionRows);
  if (attemptRows.length) await tx.insert(quizAttempts).values(attemptRows);
  if (certificationRows.length) await tx.insert(certifications).values(certificationRows);
  return { courses: courseRows.length, certifications: certificationRows.length, enrollments: enrollmentRows.length };
}
