using System.Security.Cryptography;
using AgriInsure.Domain;
using AgriInsure.Ledger;
using AgriInsure.Ledger.Sqlite;
using AgriInsure.Registry;
using AgriInsure.Registry.Sqlite;
using AgriInsure.Signing.Pades;
using AgriInsure.Signing.Pki;
using AgriInsure.Storage.LocalFolder;
using AgriInsure.Tests;
using AgriInsure.Underwriting.Closing;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgriInsure.Underwriting.Tests;

/// <summary>A livestock policy closed with e-signed contracts on real engines (SQLite registry and ledger, a blob folder, the
/// project's CA, TSA and OCSP in process): the farmer signs the contract drawn from the policy, the insurer countersigns,
/// and only then is the policy's contract on record and its hash anchored.</summary>
public sealed class ContractDeskTests : IAsyncLifetime
{
    private const string Tenant = "t1";
    private readonly TempFolder _dir = new();
    private SqliteRegistry? _registry;
    private SqliteLedger? _ledger;
    private LocalFolderBlobStore? _blobs;
    private CertificateAuthority? _ca;
    private ContractDesk? _desk;
    private LoopbackTrustServices? _services;
    private static readonly Insurer Insurer = new("安华农业保险 AgriInsure Demo", Seal.Png());

    public async Task InitializeAsync()
    {
        _registry = await SqliteRegistry.OpenAsync(_dir.File("registry.db"));
        _ledger = await SqliteLedger.OpenAsync(_dir.File("ledger.db"));
        _blobs = new LocalFolderBlobStore(_dir.File("blobs"));
        var port = FreePort();
        _ca = CertificateAuthority.Create(_dir.File("ca"), new CaSettings("AgriInsure Test Root CA", "AgriInsure Tests", new Uri($"http://127.0.0.1:{port}/ocsp"),
            new Uri($"http://127.0.0.1:{port}/crl")));
        _services = await TrustServices.StartLoopbackAsync(_ca, port);
        var signer = new PadesSigner(new InProcessTrustClient(_ca, new OcspResponder(_ca), new TimeStampAuthority(_ca)));
        _desk = new ContractDesk(_registry, _ledger, _blobs, ContractFixtures.Writer, _ca, signer, TimeProvider.System, NullLogger<ContractDesk>.Instance);
        await _registry.AddFarmerAsync(Farmer.Create(Tenant, "F1", ContractFixtures.Name, ContractFixtures.Region).Value);
        await _registry.AddFarmerAsync(Farmer.Create(Tenant, "F2", ContractFixtures.Name, ContractFixtures.Region).Value);
        await IssueAsync("P1", "F1", 3);
    }

    public async Task DisposeAsync()
    {
        await _registry!.DisposeAsync();
        await _ledger!.DisposeAsync();
        if (_services is not null)
            await _services.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task The_farmer_signs_the_insurer_countersigns_and_only_then_is_the_policy_in_force_with_its_hash_anchored()
    {
        await CheckIdentityAsync("F1");
        var farmer = await _desk!.SignAsFarmerAsync(Tenant, "P1", Insurer);
        Assert.Equal(ClosingOutcome.SignedByFarmer, farmer.Outcome);
        Assert.Equal(SignatureVerdict.Valid, Assert.Single(farmer.Report!.Signatures).Verdict);
        Assert.Null(await _registry!.FindSignedContractAsync(Tenant, "P1"));
        Assert.Null(await _ledger!.FindAsync(SignedContract.AnchorKey("P1")));
        // Its signature verifies, but no contract of the policy is anchored: not a contract in force.
        var (early, noAnchor, anchoredEarly) = await _desk.VerifyAsync(farmer.Pdf!, "P1");
        Assert.True(early.IsValid);
        Assert.Null(noAnchor);
        Assert.False(anchoredEarly);

        var closed = await _desk.CountersignAsync(Tenant, "P1", farmer.Pdf!, Insurer);
        Assert.Equal(ClosingOutcome.Active, closed.Outcome);
        var sha = Convert.ToHexStringLower(SHA256.HashData(closed.Pdf!));
        var onRecord = (await _registry.FindSignedContractAsync(Tenant, "P1"))!;
        Assert.Equal(sha, onRecord.Document.Hex);
        Assert.Equal(closed.Pdf, await _blobs!.GetAsync(onRecord.BlobKey));
        var anchor = (await _ledger.FindAsync(SignedContract.AnchorKey("P1")))!;
        Assert.Equal((SignedContract.AnchorKind, sha, onRecord.AnchorIndex), (anchor.Kind, anchor.PayloadHash, anchor.Index));
        Assert.All(closed.Report!.Signatures, s => Assert.Equal(SignatureVerdict.Valid, s.Verdict));
        Assert.Contains("UID=t1/F1", closed.Report.Signatures[0].Signer);
        Assert.Contains("UID=t1", closed.Report.Signatures[1].Signer);
        var (_, _, anchored) = await _desk.VerifyAsync(closed.Pdf!, "P1");
        Assert.True(anchored);

        // pdfsig (poppler, NSS) calls both signatures valid and trusted once our root is in its database (it asks the CA's OCSP
        // responder itself, served here on loopback).
        var pdf = _dir.File("contract.pdf");
        await File.WriteAllBytesAsync(pdf, closed.Pdf!);
        var nss = _dir.File("nss");
        Directory.CreateDirectory(nss);
        var root = _dir.File("root.pem");
        await File.WriteAllTextAsync(root, CertificateAuthority.ToPem(_ca!.Root));
        Poppler.Run("certutil", "-N", "-d", "sql:" + nss, "--empty-password");
        Poppler.Run("certutil", "-A", "-d", "sql:" + nss, "-n", "agri-root", "-t", "CT,C,C", "-i", root);
        var pdfsig = Poppler.Run("pdfsig", "-nssdir", "sql:" + nss, pdf);
        Assert.Equal(2, pdfsig.Split("Signature Validation: Signature is Valid.").Length - 1);
        Assert.Equal(2, pdfsig.Split("Certificate Validation: Certificate is Trusted.").Length - 1);

        // A retry signs nothing again.
        Assert.Equal(ClosingOutcome.AlreadyActive, (await _desk.SignAsFarmerAsync(Tenant, "P1", Insurer)).Outcome);
        Assert.Equal(ClosingOutcome.AlreadyActive, (await _desk.CountersignAsync(Tenant, "P1", farmer.Pdf!, Insurer)).Outcome);
    }

    [Fact]
    public async Task A_close_that_anchored_but_was_not_recorded_is_recorded_on_the_next_try_and_no_other_document_takes_its_key()
    {
        await CheckIdentityAsync("F1");
        var farmer = (await _desk!.SignAsFarmerAsync(Tenant, "P1", Insurer)).Pdf!;
        var first = await _desk.CountersignAsync(Tenant, "P1", farmer, Insurer);
        // As if the process had stopped after anchoring: the registry lost the record (a restored backup).
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        await _registry!.DisposeAsync();
        using (var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_dir.File("registry.db")};Pooling=False"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = "DELETE FROM signed_contracts";
            cmd.ExecuteNonQuery();
        }
        _registry = await SqliteRegistry.OpenAsync(_dir.File("registry.db"));
        var signer = new PadesSigner(new InProcessTrustClient(_ca!, new OcspResponder(_ca!), new TimeStampAuthority(_ca!)));
        _desk = new ContractDesk(_registry, _ledger!, _blobs!, ContractFixtures.Writer, _ca!, signer, TimeProvider.System, NullLogger<ContractDesk>.Instance);
        var again = await _desk.CountersignAsync(Tenant, "P1", farmer, Insurer);
        Assert.Equal(ClosingOutcome.Active, again.Outcome);
        Assert.Equal(first.Pdf, again.Pdf);
        Assert.Equal(first.Contract!.Document, (await _registry.FindSignedContractAsync(Tenant, "P1"))!.Document);
    }

    [Fact]
    public async Task A_crop_policy_is_closed_the_same_way_with_its_plot_on_the_contract()
    {
        await CheckIdentityAsync("F1");
        var drawn = ContractFixtures.Crop();
        var plot = Plot.Create("PL-7", "F1", drawn.Plot.Outline, drawn.Plot.DeclaredArea).Value;
        var now = DateTimeOffset.UtcNow;
        await _registry!.AddPlotAsync(Tenant, new RegisteredPlot(plot, "agent-7", now));
        var acreage = drawn.Policy.Acreage;
        await _registry.AddMeasurementAsync(Tenant, new AcreageRecord("M-1", plot.Id, "s2.tif", new DateOnly(2026, 3, 1), "centre", plot.DeclaredArea, acreage.Measured,
            1, 0, PlotQuality.Ok, "", acreage.Evidence.Hex, "agent-7", now.AddMinutes(-5)));
        var policy = CropPolicy.Create("CP-1", "F1", MeasuredAcreage.Create(plot.Id, acreage.Measured, PlotQuality.Ok, now.AddMinutes(-5), acreage.Evidence.Hex).Value,
            drawn.Policy.Terms).Value;
        var anchored = await _ledger!.AppendAsync(new LedgerRecord("policy", Digest.Of("policy", "CP-1").Hex, Digest.Of("crop terms").Hex));
        Assert.Null(await _registry.AddCropPolicyAsync(Tenant, new StoredCropPolicy(policy, "M-1", anchored.Entry.Index, "underwriter-1", now), _ => false));

        var farmer = await _desk!.SignAsFarmerAsync(Tenant, "CP-1", Insurer);
        Assert.Equal(ClosingOutcome.SignedByFarmer, farmer.Outcome);
        var closed = await _desk.CountersignAsync(Tenant, "CP-1", farmer.Pdf!, Insurer);
        Assert.Equal(ClosingOutcome.Active, closed.Outcome);
        Assert.NotNull(await _registry.FindSignedContractAsync(Tenant, "CP-1"));
        var pdf = _dir.File("crop.pdf");
        await File.WriteAllBytesAsync(pdf, closed.Pdf!);
        Assert.Contains("PL-7", Poppler.Text(pdf));
    }

    [Fact]
    public async Task No_farmer_signs_without_a_passed_identity_check()
    {
        var step = await _desk!.SignAsFarmerAsync(Tenant, "P1", Insurer);
        Assert.Equal(ClosingOutcome.IdentityNotChecked, step.Outcome);
        Assert.Null(step.Pdf);
        await CheckIdentityAsync("F1", IdentityCheckOutcome.Failed);
        Assert.Equal(ClosingOutcome.IdentityNotChecked, (await _desk.SignAsFarmerAsync(Tenant, "P1", Insurer)).Outcome);
        Assert.Equal(ClosingOutcome.PolicyNotFound, (await _desk.SignAsFarmerAsync(Tenant, "P9", Insurer)).Outcome);
        Assert.Equal(ClosingOutcome.PolicyNotFound, (await _desk.SignAsFarmerAsync("t2", "P1", Insurer)).Outcome);
    }

    [Fact]
    public async Task A_countersignature_is_refused_for_a_changed_pdf_another_farmers_signature_or_another_policys_contract()
    {
        await CheckIdentityAsync("F1");
        await CheckIdentityAsync("F2");
        await IssueAsync("P2", "F2", 2);
        var signed = (await _desk!.SignAsFarmerAsync(Tenant, "P1", Insurer)).Pdf!;

        var changed = (byte[])signed.Clone();
        changed[changed.Length / 3] ^= 0x01;
        Assert.Equal(ClosingOutcome.NotTheFarmersSignature, (await _desk.CountersignAsync(Tenant, "P1", changed, Insurer)).Outcome);
        // F2's contract, validly signed by F2, is not P1's: neither its signer nor its content is.
        var other = (await _desk.SignAsFarmerAsync(Tenant, "P2", Insurer)).Pdf!;
        var refused = await _desk.CountersignAsync(Tenant, "P1", other, Insurer);
        Assert.Equal(ClosingOutcome.NotTheFarmersSignature, refused.Outcome);
        Assert.Contains("not by party t1/F1", refused.Reason);
        // Unsigned, cut short, not a PDF.
        Assert.Equal(ClosingOutcome.NotTheFarmersSignature, (await _desk.CountersignAsync(Tenant, "P1", signed[..(signed.Length / 2)], Insurer)).Outcome);
        Assert.Equal(ClosingOutcome.NotTheFarmersSignature, (await _desk.CountersignAsync(Tenant, "P1", "not a pdf"u8.ToArray(), Insurer)).Outcome);
        Assert.Null(await _registry!.FindSignedContractAsync(Tenant, "P1"));
        Assert.Null(await _ledger!.FindAsync(SignedContract.AnchorKey("P1")));
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task CheckIdentityAsync(string farmer, IdentityCheckOutcome outcome = IdentityCheckOutcome.Passed) =>
        await _registry!.RecordIdentityCheckAsync(Tenant, IdentityCheck.Create($"IC-{farmer}-{outcome}", farmer, "agent-7", IdentityCheckMethod.IdCardChipRead,
            DateTimeOffset.UtcNow.AddMinutes(-1), outcome, IdentityHash.Create("t1-2026", Convert.ToHexStringLower(SHA256.HashData([(byte)farmer[1]]))).Value).Value);

    /// <summary>A policy over <paramref name="head"/> newly enrolled animals of <paramref name="farmer"/>, anchored as the
    /// livestock desk anchors one.</summary>
    private async Task IssueAsync(string policyId, string farmer, int head)
    {
        var now = DateTimeOffset.UtcNow;
        var animals = new List<string>();
        for (var i = 0; i < head; i++)
        {
            var id = $"{policyId}-A{i}";
            var crop = await _blobs!.PutAsync(ContractFixtures.Face(i), "image/jpeg");
            var face = new float[8];
            face[i % 8] = 1;
            var template = Embedding.Create(face, "m").Value;
            var capture = new CaptureRecord($"{policyId}-C{i}", Tenant, "hh-1", "agent-7", CapturePurpose.Enrol, Species.Cattle, $"04{i:D2}", farmer,
                new GeoPoint(104.6, 35.6), 5, now, "1", [new PhotoRecord(template, crop)], now);
            var animal = Animal.Create(id, farmer, Species.Cattle, $"04{i:D2}", [template]).Value;
            await _registry!.RecordEnrolmentAsync(capture, new CaptureDecision(DecisionStatus.Accepted, CaptureOutcome.Enrolled, "", id, null), animal);
            animals.Add(id);
        }
        var policy = LivestockPolicy.Create(policyId, farmer, animals, Money.Create(8000m, "CNY").Value, Money.Create(320m * head, "CNY").Value,
            Coverage.Create(DateOnly.FromDateTime(now.UtcDateTime), DateOnly.FromDateTime(now.UtcDateTime).AddYears(1)).Value).Value;
        var anchored = await _ledger!.AppendAsync(new LedgerRecord("policy", Digest.Of("policy", policyId).Hex, Digest.Of("terms", policyId).Hex));
        await _registry!.AddLivestockPolicyAsync(Tenant, policy, anchored.Entry.Index);
    }
}
