using System.CommandLine;
using AgriInsure.Cloud.Host;
using AgriInsure.Domain;
using AgriInsure.Ledger.Sqlite;
using AgriInsure.Signing.Pades;
using AgriInsure.Signing.Pki;
using AgriInsure.Underwriting.Closing;
using AgriInsure.Underwriting.Contracts;
using AgriInsure.Underwriting.Identity;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgriInsure.Cli;

/// <summary><c>tools/agri contracts check-identity|sign|verify|show</c>: real-name identity checks, the policy's contract
/// signed by the farmer and countersigned by the insurer (PAdES B-LT), verified offline and against its ledger anchor.</summary>
internal static class ContractsCommands
{
    public static Command Group() => new("contracts", "e-signed policy contracts: real-name identity check, farmer's signature, insurer's countersignature, verification")
    {
        CheckIdentity(), Sign(), Verify(), Show(),
    };

    /// <summary>The cloud folder's contract services as <c>agri serve</c> opens them (its CA in <c>pki/</c>, its identity-number
    /// key, the contract desk over the folder's registry, ledger and blobs). Errors: <see cref="UsageException"/> when the
    /// contract font is missing.</summary>
    private static ContractServices Services(CloudFolder folder, bool needDesk = true)
    {
        ContractServices services;
        try
        {
            services = ContractServices.Open(new CloudOptions { Folder = folder.Path }, folder.Path, folder.Registry, folder.Ledger, folder.Blobs,
                NullLoggerFactory.Instance);
        }
        catch (CloudStartException e)
        {
            throw new UsageException($"--cloud {folder.Path}: {e.Reason}");
        }
        return !needDesk || services.Desk is not null ? services : throw new UsageException($"{services.Unavailable} (tools/setup installs it)");
    }

    private static Verb CheckIdentity()
    {
        var cloud = CloudFolder.Option();
        var tenant = CloudFolder.TenantOption();
        var farmer = CliOptions.Required("--farmer", "ID", "the farmer checked (an id of the tenant's)");
        var number = CliOptions.Required("--number", "ID-NUMBER", "the resident identity number read (GB 11643: 18 characters); kept only as a keyed hash, never printed or stored");
        var method = CliOptions.Required("--method", "HOW", "id-card-chip-read, document-inspected-in-person, face-compared-with-id-photo or citizen-registry-query");
        var agent = CliOptions.Required("--agent", "ID", "the agent who checked");
        var failed = CliOptions.Switch("--failed", "record a check the person failed (no certificate will be issued to them)");
        var verb = new Verb("check-identity", "record a real-name identity check of a farmer before they sign: the number is validated (GB 11643 check character) and kept only as a keyed hash",
            "the number was checked before under another farmer id of the tenant (one person, two records)",
            "tools/agri contracts check-identity --farmer F-001 --number 11010519491231002X --method id-card-chip-read --agent agent-07")
        {
            cloud, tenant, farmer, number, method, agent, failed,
        };
        verb.SetAction(async (p, ct) =>
        {
            var how = IdentityCheckMethodNames.Parse(p.GetValue(method), "--method");
            if (!how.IsOk)
                throw new UsageException(how.Error.ToString());
            await using var folder = await CloudFolder.OpenAsync(p.GetValue(cloud), ModelChoice.Registry.Path, ct);
            var who = p.GetValue(tenant)!;
            var desk = Services(folder, needDesk: false).IdentityDesk(who);
            var recorded = await desk.RecordAsync(who, new IdentityCheckReport(p.GetValue(farmer)!, p.GetValue(agent)!, how.Value, p.GetValue(number)!,
                p.GetValue(failed) ? IdentityCheckOutcome.Failed : IdentityCheckOutcome.Passed), ct);
            if (!recorded.IsOk)
                throw new UsageException($"--{recorded.Error.Field.Replace("identityNumber", "number").Replace("farmerId", "farmer")}: {recorded.Error.Reason}");
            var check = recorded.Value.Check;
            Console.WriteLine($"identity check {check.Id}: farmer {check.FarmerId}, {check.Method.Name()} by {check.AgentId}, {check.Outcome.Name()} at {check.CheckedAt:yyyy-MM-dd HH:mm:ss}Z; number kept as {check.NumberHash.Hex[..12]}… (keyed hash)");
            if (recorded.Value.OtherFarmerIds.Count == 0)
                return (int)ExitCode.Success;
            Console.WriteLine($"the same number was checked as farmer {string.Join(", ", recorded.Value.OtherFarmerIds)}: one person under two farmer records; look before insuring twice");
            return (int)ExitCode.Found;
        });
        return verb;
    }

    private static Verb Sign()
    {
        var policy = new Argument<string>("policy") { Description = "the livestock or crop policy whose contract is signed" };
        var cloud = CloudFolder.Option();
        var tenant = CloudFolder.TenantOption();
        var role = CliOptions.Required("--as", "PARTY", "farmer (signs the contract drawn from the policy) or insurer (countersigns what the farmer signed, then the policy is in force)");
        var input = CliOptions.Optional("--in", "FARMER-SIGNED.pdf", "with --as insurer: the contract the farmer signed");
        var output = CliOptions.Optional("--out", "OUT.pdf", "where the signed PDF goes (default: contracts/POLICY.farmer.pdf or POLICY.signed.pdf in the cloud folder)");
        var insurerName = CliOptions.Optional("--insurer-name", "NAME", "the insurer's name as printed on the contract and its certificate (default: the tenant)");
        var seal = CliOptions.Optional("--seal", "SEAL.png", "the insurer's seal image (PNG or JPEG) drawn in its signature (default: a stand-in ring and star)");
        var overwrite = CliOptions.Overwrite();
        var verb = new Verb("sign", "sign a policy's contract as the farmer (after a passed identity check), or countersign it as the insurer: both signatures are then verified, the PDF kept and its SHA-256 anchored, and the policy is in force",
            "the farmer has no passed identity check, or the PDF given to countersign is not the policy's contract signed by its farmer",
            "tools/agri contracts sign LP-01J… --as farmer", "tools/agri contracts sign LP-01J… --as insurer --in .agri/demo/cloud/contracts/LP-01J….farmer.pdf")
        {
            policy, cloud, tenant, role, input, output, insurerName, seal, overwrite,
        };
        verb.SetAction(async (p, ct) =>
        {
            var id = p.GetValue(policy)!;
            var asFarmer = p.GetValue(role) switch
            {
                "farmer" => true,
                "insurer" => false,
                var other => throw new UsageException($"--as {other}: give farmer or insurer"),
            };
            var given = p.GetValue(input);
            if (asFarmer && given is not null)
                throw new UsageException("--in is read only with --as insurer: the farmer signs the contract drawn from the policy");
            if (!asFarmer && given is null)
                throw new UsageException("--as insurer needs --in FARMER-SIGNED.pdf: the contract the farmer signed");
            var farmerSigned = given is null ? null : await ReadFileAsync("--in", given, ct);
            var sealImage = p.GetValue(seal) is { } s ? await ReadFileAsync("--seal", s, ct) : Seal.Png();
            if (!IsImage(sealImage))
                throw new UsageException($"--seal {p.GetValue(seal)}: not a PNG or JPEG image");
            await using var folder = await CloudFolder.OpenAsync(p.GetValue(cloud), ModelChoice.Registry.Path, ct);
            var out_ = p.GetValue(output) ?? Path.Combine(folder.Path, "contracts", $"{id}.{(asFarmer ? "farmer" : "signed")}.pdf");
            if (given is not null && Path.GetFullPath(given) == Path.GetFullPath(out_))
                throw new UsageException($"--out {out_} is the --in file: the farmer's signed contract is kept; give the countersigned one another name");
            OutputFiles.Check(p.GetValue(overwrite), ("--out", out_));
            var who = p.GetValue(tenant)!;
            var insurer = new Insurer(p.GetValue(insurerName) ?? who, sealImage);
            var desk = Services(folder).Desk!;
            var step = asFarmer ? await desk.SignAsFarmerAsync(who, id, insurer, ct) : await desk.CountersignAsync(who, id, farmerSigned!, insurer, ct);
            if (step.Pdf is { } pdf && step.Ok)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(out_))!);
                OutputFiles.WriteAll((out_, temp => File.WriteAllBytes(temp, pdf)));
            }
            if (step.Outcome == ClosingOutcome.PolicyNotFound)
                throw new UsageException($"{id}: {step.Reason}");
            if (step.Report is { } report)
                Print(report);
            Console.WriteLine($"{Describe(step.Outcome)}: {step.Reason}");
            if (step.Pdf is not null && step.Ok)
                Console.WriteLine($"wrote {out_}");
            if (step.Outcome == ClosingOutcome.SignedByFarmer)
                Console.WriteLine($"next: tools/agri contracts sign {id} --as insurer --in {out_}");
            return (int)(step.Ok ? ExitCode.Success : ExitCode.Found);
        });
        return verb;
    }

    private static Verb Verify()
    {
        var file = new Argument<string>("file") { Description = "the contract PDF" };
        var policy = CliOptions.Optional("--policy", "ID", "also check that the PDF's SHA-256 is the one anchored on the cloud folder's ledger for this policy");
        var cloud = CloudFolder.Option();
        var root = RootOption();
        var verb = new Verb("verify", "verify each signature of a contract offline (signer, certificate chain to the CA, timestamp, revocation at that time, changes after it) and, with --policy, its ledger anchor",
            "a signature does not verify, or the PDF is not the one anchored for the policy",
            "tools/agri contracts verify .agri/demo/cloud/contracts/LP-01J….signed.pdf --policy LP-01J…",
            "tools/agri contracts verify contract.pdf --root root.crt")
        {
            file, policy, cloud, root,
        };
        verb.SetAction(async (p, ct) =>
        {
            var pdf = await ReadPdfAsync(p.GetValue(file)!, ct);
            var id = p.GetValue(policy);
            // Read-only and without the cloud folder's lock: an auditor verifies while the service runs, or from the PDF and
            // the CA's root alone.
            var report = new PadesVerifier([TrustAnchor(p.GetValue(root), p.GetValue(cloud))]).Verify(pdf);
            Print(report);
            if (id is null)
            {
                // Without --policy, the cloud folder's ledger is searched for a contract anchor holding this PDF's hash.
                if (p.GetValue(root) is null)
                    await ReportAnchorAsync(CloudEngines.LedgerPath(CloudFolder.PathOf(p.GetValue(cloud))), report.Sha256, ct);
                return (int)(report.IsValid ? ExitCode.Success : ExitCode.Found);
            }
            await using var ledger = await SqliteLedger.OpenReadOnlyAsync(CloudEngines.LedgerPath(CloudFolder.PathOf(p.GetValue(cloud))), ct);
            var anchor = await ledger.FindAsync(SignedContract.AnchorKey(id), ct);
            var anchored = ContractDesk.Anchors(anchor, report);
            Console.WriteLine(anchored ? $"anchored: ledger entry {anchor!.Index} holds this PDF's SHA-256 for policy {id}"
                : anchor is null ? $"NOT anchored: the ledger holds no signed contract for policy {id} (no such policy, or its contract is not signed by both parties)"
                : $"NOT anchored: ledger entry {anchor.Index} holds {anchor.PayloadHash[..12]}… for policy {id}, not this PDF ({report.Sha256[..12]}…)");
            return (int)(report.IsValid && anchored ? ExitCode.Success : ExitCode.Found);
        });
        return verb;
    }

    /// <summary>Prints the ledger entry anchoring a signed contract of SHA-256 <paramref name="sha256"/>, read whole (a
    /// contract's key names its policy, which the PDF alone does not give).</summary>
    private static async Task ReportAnchorAsync(string ledgerPath, string sha256, CancellationToken ct)
    {
        await using var ledger = await SqliteLedger.OpenReadOnlyAsync(ledgerPath, ct);
        for (long from = 0; ; from += 10_000)
        {
            var entries = await ledger.EntriesAsync(from, 10_000, ct);
            if (entries.FirstOrDefault(e => e.Kind == SignedContract.AnchorKind && e.PayloadHash == sha256) is { } anchor)
            {
                Console.WriteLine($"anchored: ledger entry {anchor.Index} holds this PDF's SHA-256 as a signed contract (give --policy to check it is that policy's)");
                return;
            }
            if (entries.Count < 10_000)
                break;
        }
        Console.WriteLine("NOT anchored: no signed-contract entry of the ledger holds this PDF's SHA-256");
    }

    private static Verb Show()
    {
        var file = new Argument<string>("file") { Description = "the contract PDF" };
        var cloud = CloudFolder.Option();
        var root = RootOption();
        var verb = new Verb("show", "list a contract's signatures: who signed, when (timestamp), with what certificate chain, and each one's verdict", null,
            "tools/agri contracts show .agri/demo/cloud/contracts/LP-01J….signed.pdf")
        {
            file, cloud, root,
        };
        verb.SetAction(async (p, ct) =>
        {
            var pdf = await ReadPdfAsync(p.GetValue(file)!, ct);
            Print(new PadesVerifier([TrustAnchor(p.GetValue(root), p.GetValue(cloud))]).Verify(pdf));
            return (int)ExitCode.Success;
        });
        return verb;
    }

    private static Option<string?> RootOption() =>
        CliOptions.Optional("--root", "ROOT.crt", "the CA's root certificate (PEM) to trust; default: the cloud folder's pki/root.crt");

    /// <summary>The root to verify against: --root, else the cloud folder's. Errors: <see cref="UsageException"/> naming the
    /// file that is missing or not a certificate.</summary>
    private static Org.BouncyCastle.X509.X509Certificate TrustAnchor(string? given, string? cloud)
    {
        var path = given ?? Path.Combine(CloudFolder.PathOf(cloud), "pki", "root.crt");
        var option = given is null ? "--cloud" : "--root";
        if (!File.Exists(path))
            throw new UsageException($"{option}: no CA root certificate at {path}");
        try
        {
            return CertificateAuthority.ReadCertificate(path);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new UsageException($"{option}: {path} is not a PEM certificate ({e.Message})");
        }
    }

    private static Task<byte[]> ReadPdfAsync(string path, CancellationToken ct) => ReadFileAsync("FILE", path, ct);

    /// <summary>A file the user names. Errors: <see cref="UsageException"/> for a folder, a missing or an empty file.</summary>
    private static async Task<byte[]> ReadFileAsync(string option, string path, CancellationToken ct)
    {
        if (Directory.Exists(path))
            throw new UsageException($"{option} {path} is a folder; give a file");
        if (!File.Exists(path))
            throw new UsageException($"{option} {path}: no such file");
        var bytes = await File.ReadAllBytesAsync(path, ct);
        return bytes.Length > 0 ? bytes : throw new UsageException($"{option} {path} is empty");
    }

    /// <summary>PNG (RFC 2083 signature) or JPEG (SOI marker) by their first bytes.</summary>
    private static bool IsImage(byte[] bytes) =>
        bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) || bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]);

    private static void Print(VerificationReport report)
    {
        Console.WriteLine($"document: {report.Verdict} ({report.Reason}); SHA-256 {report.Sha256}");
        foreach (var s in report.Signatures)
        {
            Console.WriteLine($"  {s.FieldName}: {s.Verdict}: {s.Reason}");
            Console.WriteLine($"    signer {s.Signer ?? "-"}; timestamp {(s.TimestampTime is { } t ? $"{t:yyyy-MM-dd HH:mm:ss}Z by {s.TimestampAuthority}" : "none")}; revocation {s.Revocation} ({s.RevocationSource ?? "-"})");
            Console.WriteLine($"    chain {string.Join(" → ", s.Chain)}; {(s.ModifiedAfter ? "CHANGED after this signature" : "nothing but allowed additions after it")}");
        }
    }

    private static string Describe(ClosingOutcome outcome) => outcome switch
    {
        ClosingOutcome.SignedByFarmer => "signed by the farmer",
        ClosingOutcome.Active => "in force",
        ClosingOutcome.AlreadyActive => "already in force",
        ClosingOutcome.PolicyNotFound => "no such policy",
        ClosingOutcome.IdentityNotChecked => "identity not checked",
        ClosingOutcome.DocumentError => "contract not drawn",
        ClosingOutcome.NotTheFarmersSignature => "refused",
        ClosingOutcome.SignatureInvalid => "signatures do not verify",
        ClosingOutcome.AnchorRefused => "anchor refused",
        _ => outcome.ToString(),
    };
}
