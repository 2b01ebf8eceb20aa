using System.Security.Cryptography;
using AgriInsure.Domain;
using AgriInsure.Ledger;
using AgriInsure.Registry;
using AgriInsure.Signing.Pades;
using AgriInsure.Signing.Pki;
using AgriInsure.Storage;
using AgriInsure.Underwriting.Contracts;
using AgriInsure.Underwriting.Identity;
using Microsoft.Extensions.Logging;
using Org.BouncyCastle.Asn1.X509;

namespace AgriInsure.Underwriting.Closing;

/// <summary>How a step of closing a policy's contract ended.</summary>
public enum ClosingOutcome
{
    /// <summary>The farmer signed the contract drawn from the policy; it waits for the insurer's countersignature.</summary>
    SignedByFarmer,

    /// <summary>Both signed, both signatures verify, the signed PDF's hash is anchored: the policy is in force.</summary>
    Active,

    /// <summary>The policy was closed before (a retry): nothing was signed again.</summary>
    AlreadyActive,

    /// <summary>The tenant has no such policy.</summary>
    PolicyNotFound,

    /// <summary>The farmer has no passed real-name identity check on record: no certificate is issued, nothing signed.</summary>
    IdentityNotChecked,

    /// <summary>The contract could not be drawn (a face crop missing, the font missing...).</summary>
    DocumentError,

    /// <summary>The PDF given for the countersignature is not the policy's contract signed by its farmer: its signature does
    /// not verify, its signer is not the policy's farmer, or its signed content is not the contract drawn from the policy.</summary>
    NotTheFarmersSignature,

    /// <summary>The countersigned contract did not verify (nothing anchored, the policy not in force).</summary>
    SignatureInvalid,

    /// <summary>The ledger holds another document under the policy's contract key.</summary>
    AnchorRefused,
}

public static class ClosingOutcomeNames
{
    public static string Name(this ClosingOutcome outcome) => outcome switch
    {
        ClosingOutcome.SignedByFarmer => "signed-by-farmer",
        ClosingOutcome.Active => "active",
        ClosingOutcome.AlreadyActive => "already-active",
        ClosingOutcome.PolicyNotFound => "policy-not-found",
        ClosingOutcome.IdentityNotChecked => "identity-not-checked",
        ClosingOutcome.DocumentError => "document-error",
        ClosingOutcome.NotTheFarmersSignature => "not-the-farmers-signature",
        ClosingOutcome.SignatureInvalid => "signature-invalid",
        ClosingOutcome.AnchorRefused => "anchor-refused",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "not a closing outcome"),
    };
}

/// <summary>A step's result: its outcome and why, in words; the PDF as it stands after the step (null when nothing was
/// signed); the verifier's report of it; the contract on record once active.</summary>
public sealed record ClosingStep(ClosingOutcome Outcome, string Reason, byte[]? Pdf, VerificationReport? Report, SignedContract? Contract)
{
    public bool Ok => Outcome is ClosingOutcome.SignedByFarmer or ClosingOutcome.Active or ClosingOutcome.AlreadyActive;
}

/// <summary>The insurer as it signs: its name as printed on contracts and certificates, and its seal (PNG or JPEG), drawn in
/// its signature block.</summary>
public sealed record Insurer(string Name, byte[]? Seal);

/// <summary>Closes underwriting of a livestock or crop policy with e-signed contracts: the contract is drawn from the policy
/// (<see cref="ContractWriter"/>, deterministic: the same policy gives the same bytes), the farmer signs it after a passed
/// real-name identity check (a certificate issued by the project's CA to <c>tenant/farmer</c>), then the insurer
/// countersigns with its seal, each a PAdES B-LT signature in an incremental update (<see cref="PadesSigner"/>). Before the
/// policy is put in force both signatures are verified offline (<see cref="PadesVerifier"/>: chain to the CA, timestamp,
/// revocation at that time, nothing changed after), their signers are checked to be the policy's farmer and insurer, the
/// farmer's signed revision is checked to be exactly the contract drawn from the policy, the signed PDF is kept in the blob
/// store and its SHA-256 anchored on the ledger under <c>SHA-256("contract", policy id)</c>; only then is the contract
/// recorded (<see cref="IRegistry.RecordSignedContractAsync"/>).</summary>
public sealed class ContractDesk(
    IRegistry registry, ILedger ledger, IBlobStore blobs, ContractWriter writer, CertificateAuthority ca, PadesSigner signer, TimeProvider clock,
    ILogger<ContractDesk> log)
{
    /// <summary>How long a farmer's signing certificate is valid: a policy's cover is at most three years.</summary>
    private static readonly TimeSpan FarmerCertificateValidity = TimeSpan.FromDays(3 * 366 + 31);

    private readonly PadesVerifier _verifier = new([ca.Root]);

    /// <summary>Draws the policy's contract and has the farmer sign it. Outcomes: <see cref="ClosingOutcome.SignedByFarmer"/>
    /// (the PDF in <see cref="ClosingStep.Pdf"/>, to be countersigned), <see cref="ClosingOutcome.AlreadyActive"/>,
    /// <see cref="ClosingOutcome.PolicyNotFound"/>, <see cref="ClosingOutcome.IdentityNotChecked"/>,
    /// <see cref="ClosingOutcome.DocumentError"/>.</summary>
    public async Task<ClosingStep> SignAsFarmerAsync(string tenant, string policyId, Insurer insurer, CancellationToken ct = default)
    {
        var drawn = await OpenAsync(tenant, policyId, insurer, ct);
        if (drawn.Step is { } stop)
            return stop;
        var (farmer, contract) = (drawn.Farmer!, drawn.Contract!);
        // The latest check decides: a person who failed a check after passing an earlier one is not signed for.
        var check = (await registry.IdentityChecksAsync(tenant, farmer.Id, ct)).LastOrDefault();
        if (check is null)
            return Step(ClosingOutcome.IdentityNotChecked, $"farmer {farmer.Id} has no real-name identity check on record; record one before the farmer signs");
        if (check.Outcome != IdentityCheckOutcome.Passed)
            return Step(ClosingOutcome.IdentityNotChecked, $"farmer {farmer.Id}'s latest identity check ({check.Id}, {check.CheckedAt:yyyy-MM-dd HH:mm}Z) was {check.Outcome.Name()}; a new passed check is needed before the farmer signs");
        var subject = CertificateSubject.ForFarmer(farmer, check);
        if (!subject.IsOk)
            return Step(ClosingOutcome.IdentityNotChecked, subject.Error.ToString());
        var now = clock.GetUtcNow();
        var credential = ca.IssuePerson(new PersonSubject(subject.Value.CommonName, subject.Value.Locality, subject.Value.UserId), now.AddMinutes(-5),
            now + FarmerCertificateValidity);
        var signed = await signer.SignAsync(contract.Bytes, Request(credential, contract.Farmer, farmer.Name, $"投保人签署 Policyholder signs {policyId}"), ct);
        log.LogInformation("Farmer {Farmer} signed the contract of policy {Policy} (certificate {Serial})", farmer.Id, policyId, credential.Certificate.SerialNumber);
        return new ClosingStep(ClosingOutcome.SignedByFarmer, $"signed by {farmer.Name} ({farmer.Id}) at {signed.TimestampTime:yyyy-MM-dd HH:mm:ss}Z (timestamp)",
            signed.Bytes, _verifier.Verify(signed.Bytes), null);
    }

    /// <summary>Countersigns <paramref name="farmerSigned"/> (what <see cref="SignAsFarmerAsync"/> gave) as the insurer,
    /// verifies the whole, keeps it, anchors its hash and puts the policy in force. Outcomes: <see cref="ClosingOutcome.Active"/>,
    /// <see cref="ClosingOutcome.AlreadyActive"/>, <see cref="ClosingOutcome.PolicyNotFound"/>,
    /// <see cref="ClosingOutcome.DocumentError"/>, <see cref="ClosingOutcome.NotTheFarmersSignature"/>,
    /// <see cref="ClosingOutcome.SignatureInvalid"/>, <see cref="ClosingOutcome.AnchorRefused"/>; nothing is in force unless
    /// <see cref="ClosingOutcome.Active"/>.</summary>
    public async Task<ClosingStep> CountersignAsync(string tenant, string policyId, byte[] farmerSigned, Insurer insurer, CancellationToken ct = default)
    {
        var drawn = await OpenAsync(tenant, policyId, insurer, ct);
        if (drawn.Step is { } stop)
            return stop;
        var (farmer, contract) = (drawn.Farmer!, drawn.Contract!);
        var farmerReport = _verifier.Verify(farmerSigned);
        if (Mismatch(farmerReport, farmerSigned, contract, [$"{tenant}/{farmer.Id}"]) is { } why)
            return new ClosingStep(ClosingOutcome.NotTheFarmersSignature, why, null, farmerReport, null);

        var now = clock.GetUtcNow();
        var credential = ca.IssueOrganisation(new OrganisationSubject(insurer.Name, PartyId: tenant), now.AddMinutes(-5), now.AddYears(1));
        var countersigned = await signer.SignAsync(farmerSigned,
            Request(credential, contract.Insurer, insurer.Name, $"保险人签署 Insurer countersigns {policyId}") with { SealImage = insurer.Seal }, ct);
        var bytes = countersigned.Bytes;
        var report = _verifier.Verify(bytes);
        if (Mismatch(report, bytes, contract, [$"{tenant}/{farmer.Id}", tenant]) is { } invalid)
            return new ClosingStep(ClosingOutcome.SignatureInvalid, invalid, bytes, report, null);

        var document = Digest.FromHex(Convert.ToHexStringLower(SHA256.HashData(bytes)), "contract.document").Value;
        var blobKey = await blobs.PutAsync(bytes, "application/pdf", ct);
        // From the anchor on, the close runs to its record whatever the caller cancels: a stop in between would leave an
        // anchored contract unrecorded (recovered on the next try, but reported as nothing written).
        ct = CancellationToken.None;
        var anchored = await ledger.AppendAsync(new LedgerRecord(SignedContract.AnchorKind, SignedContract.AnchorKey(policyId), document.Hex), ct);
        if (anchored is AppendResult.Refused refused)
        {
            // A close that anchored and then stopped before recording (a crash, a lost connection) left its signed PDF in
            // the blob store under the anchored hash: that contract is the policy's, and is recorded now. Any other
            // document under the key is refused.
            if (await RecoverAsync(tenant, policyId, refused.Entry, contract, farmer.Id, ct) is { } recovered)
                return recovered;
            return new ClosingStep(ClosingOutcome.AnchorRefused, refused.Reason, bytes, report, null);
        }
        var signedContract = SignedContract.Create(policyId, document, blobKey, anchored.Entry.Index, clock.GetUtcNow()).Value;
        await registry.RecordSignedContractAsync(tenant, signedContract, ct);
        log.LogInformation("Policy {Policy} is in force: contract {Document} signed by both parties, anchored at ledger entry {Entry}", policyId, document.Hex,
            anchored.Entry.Index);
        return new ClosingStep(ClosingOutcome.Active, $"signed by both parties, anchored at ledger entry {anchored.Entry.Index}", bytes, report, signedContract);
    }

    /// <summary>The contract anchored at <paramref name="anchor"/> recorded, when its signed PDF is in the blob store and
    /// verifies as this policy's contract signed by its farmer and insurer; null otherwise.</summary>
    private async Task<ClosingStep?> RecoverAsync(string tenant, string policyId, LedgerEntry anchor, ContractPdf contract, string farmerId, CancellationToken ct)
    {
        var blobKey = BlobKeys.ContentPrefix + anchor.PayloadHash;
        if (anchor.Kind != SignedContract.AnchorKind || await blobs.GetAsync(blobKey, ct) is not { } kept)
            return null;
        var report = _verifier.Verify(kept);
        if (Mismatch(report, kept, contract, [$"{tenant}/{farmerId}", tenant]) is not null)
            return null;
        var document = Digest.FromHex(anchor.PayloadHash, "contract.document").Value;
        var signedContract = SignedContract.Create(policyId, document, blobKey, anchor.Index, clock.GetUtcNow()).Value;
        await registry.RecordSignedContractAsync(tenant, signedContract, ct);
        log.LogWarning("Policy {Policy}'s contract was anchored at ledger entry {Entry} but not recorded; recorded now", policyId, anchor.Index);
        return new ClosingStep(ClosingOutcome.Active, $"signed by both parties, anchored at ledger entry {anchor.Index} (an earlier close that was not recorded)",
            kept, report, signedContract);
    }

    /// <summary>Verifies a contract PDF offline against the project's CA, and whether its SHA-256 is the one anchored for
    /// <paramref name="policyId"/> (null: not looked up).</summary>
    public async Task<(VerificationReport Report, LedgerEntry? Anchor, bool Anchored)> VerifyAsync(byte[] pdf, string? policyId, CancellationToken ct = default)
    {
        var report = _verifier.Verify(pdf);
        if (policyId is null)
            return (report, null, false);
        var anchor = await ledger.FindAsync(SignedContract.AnchorKey(policyId), ct);
        return (report, anchor, Anchors(anchor, report));
    }

    /// <summary>Whether <paramref name="anchor"/> (the ledger's entry under a policy's contract key) holds the SHA-256 of the
    /// PDF <paramref name="report"/> verified.</summary>
    public static bool Anchors(LedgerEntry? anchor, VerificationReport report) =>
        anchor is { Kind: SignedContract.AnchorKind } && anchor.PayloadHash == report.Sha256;

    private sealed record Drawn(ClosingStep? Step, Farmer? Farmer, ContractPdf? Contract);

    /// <summary>Where both steps start: nothing more to do for a policy already in force, else its contract drawn.</summary>
    private async Task<Drawn> OpenAsync(string tenant, string policyId, Insurer insurer, CancellationToken ct) =>
        await registry.FindSignedContractAsync(tenant, policyId, ct) is { } closed ? new Drawn(Closed(closed), null, null) : await DrawAsync(tenant, policyId, insurer, ct);

    /// <summary>The policy's contract as <see cref="ContractWriter"/> draws it, with each animal's first face crop and ear tag
    /// from the registry, dated by the policy's ledger anchor (so the same policy gives the same bytes on every call).</summary>
    private async Task<Drawn> DrawAsync(string tenant, string policyId, Insurer insurer, CancellationToken ct)
    {
        if (await registry.FindPolicyAsync(tenant, policyId, ct) is not { } policy)
            return await DrawCropAsync(tenant, policyId, insurer, ct);
        if (await registry.FindFarmerAsync(tenant, policy.FarmerId, ct) is not { } farmer)
            return new Drawn(Step(ClosingOutcome.PolicyNotFound, $"policy {policyId}'s farmer {policy.FarmerId} is not on record"), null, null);
        if (await IssuedAsync(policyId, ct) is not { } issued)
            return new Drawn(NotAnchored(policyId), null, null);
        var herd = new List<HerdAnimal>();
        foreach (var animalId in policy.AnimalIds)
        {
            var animal = await registry.FindEnrolledAnimalAsync(tenant, animalId, ct);
            var face = animal?.CropKeys.Count > 0 ? await blobs.GetAsync(animal.CropKeys[0], ct) : null;
            if (animal is null || face is null)
                return new Drawn(Step(ClosingOutcome.DocumentError, $"animal {animalId} of policy {policyId} has no face crop on record"), null, null);
            herd.Add(new HerdAnimal(animalId, animal.Animal.EarTag, face));
        }
        return Of(farmer, writer.Livestock(new LivestockContractRequest(insurer.Name, farmer, policy, herd, issued.RecordedAt)));
    }

    /// <summary>A crop policy's contract: the plot's outline drawn from its coordinates, its measured area and terms.</summary>
    private async Task<Drawn> DrawCropAsync(string tenant, string policyId, Insurer insurer, CancellationToken ct)
    {
        if (registry is not ICropRegistry crops || await crops.FindCropPolicyAsync(tenant, policyId, ct) is not { } stored)
            return new Drawn(Step(ClosingOutcome.PolicyNotFound, $"tenant {tenant} has no livestock or crop policy {policyId}"), null, null);
        var policy = stored.Policy;
        if (await registry.FindFarmerAsync(tenant, policy.FarmerId, ct) is not { } farmer || await crops.FindPlotAsync(tenant, policy.PlotId, ct) is not { } plot)
            return new Drawn(Step(ClosingOutcome.PolicyNotFound, $"crop policy {policyId}'s farmer {policy.FarmerId} or plot {policy.PlotId} is not on record"), null, null);
        if (await IssuedAsync(policyId, ct) is not { } issued)
            return new Drawn(NotAnchored(policyId), null, null);
        return Of(farmer, writer.Crop(new CropContractRequest(insurer.Name, farmer, policy, plot.Plot, null, issued.RecordedAt)));
    }

    /// <summary>The policy's own anchor (SHA-256("policy", id), the rule of livestock and crop policies alike): its time
    /// dates the contract, so the same policy draws the same bytes.</summary>
    private Task<LedgerEntry?> IssuedAsync(string policyId, CancellationToken ct) => ledger.FindAsync(Digest.Of("policy", policyId).Hex, ct);

    private static ClosingStep NotAnchored(string policyId) =>
        Step(ClosingOutcome.DocumentError, $"policy {policyId} is not anchored on the ledger; a contract is drawn only for an anchored policy");

    private static Drawn Of(Farmer farmer, Result<ContractPdf> drawn) =>
        drawn.IsOk ? new Drawn(null, farmer, drawn.Value) : new Drawn(Step(ClosingOutcome.DocumentError, drawn.Error.ToString()), null, null);

    /// <summary>Why <paramref name="report"/> of <paramref name="pdf"/> is not the contract signed by exactly
    /// <paramref name="parties"/> in that order; null when it is. The first signature's revision must be the drawn contract
    /// byte for byte: what the farmer signed is what the policy says.</summary>
    private static string? Mismatch(VerificationReport report, byte[] pdf, ContractPdf contract, IReadOnlyList<string> parties)
    {
        if (!report.IsValid)
            return $"the signatures do not verify: {report.Reason}";
        if (report.Signatures.Count != parties.Count)
            return $"it carries {report.Signatures.Count} signature(s); expected {parties.Count}";
        for (var i = 0; i < parties.Count; i++)
        {
            var party = PartyOf(report.Signatures[i].Signer);
            if (party != parties[i])
                return $"signature {i + 1} is by {report.Signatures[i].Signer ?? "nobody named"}, not by party {parties[i]} of the policy";
        }
        if (pdf.Length < contract.Bytes.Length || !pdf.AsSpan(0, contract.Bytes.Length).SequenceEqual(contract.Bytes))
            return "what the farmer signed is not the contract drawn from the policy now (its first revision differs: the policy, the farmer's record or the insurer's name changed since the farmer signed)";
        return null;
    }

    /// <summary>The UID (RFC 4519 userId) of a certificate subject as the verifier prints it (X.500 string form).</summary>
    private static string? PartyOf(string? subject)
    {
        if (subject is null)
            return null;
        var values = new X509Name(subject).GetValueList(X509Name.UID);
        return values.Count == 1 ? values[0] : null;
    }

    private static SignatureRequest Request(SigningCredential credential, SignatureField field, string name, string reason) =>
        new(credential, field.PageIndex + 1, new SignatureRectangle(field.Rectangle.X, field.Rectangle.Y, field.Rectangle.Width, field.Rectangle.Height), name)
        {
            Reason = reason,
        };

    private static ClosingStep Closed(SignedContract contract) =>
        new(ClosingOutcome.AlreadyActive, $"the policy is in force since {contract.ActivatedAt:yyyy-MM-dd HH:mm:ss}Z (contract anchored at ledger entry {contract.AnchorIndex})",
            null, null, contract);

    private static ClosingStep Step(ClosingOutcome outcome, string reason) => new(outcome, reason, null, null, null);
}
