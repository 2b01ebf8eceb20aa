using AgriInsure.Domain;
using AgriInsure.Registry;
using AgriInsure.Signing.Pki;
using AgriInsure.Underwriting.Closing;
using AgriInsure.Underwriting.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static AgriInsure.Cloud.Host.Api.Endpoints;

namespace AgriInsure.Cloud.Host.Api;

/// <summary>E-signed contracts under <c>/api/v1</c> (the same tokens, roles, tenancy and problem details as the rest of the
/// API, <see cref="Endpoints"/>): field agents record real-name identity checks and take the farmer's signature on their
/// handheld, underwriters countersign for the insurer (then the policy is in force), every role reads and verifies. PDFs
/// travel as <c>application/pdf</c> bodies of at most <see cref="MaxPdfBytes"/>. Also the CA's trust services under
/// <c>/pki</c>, without a token: OCSP and CRL are what any relying party asks, and the TSA stamps a hash only.</summary>
public static class ContractEndpoints
{
    /// <summary>The largest PDF a request may carry: 20 MiB. A signed livestock contract is some 100 KB plus about 10 KB a
    /// head (each animal's face thumbnail), so a herd of a thousand head fits; bigger bodies are refused (413) before they
    /// are read, so a client cannot make the host buffer without bound.</summary>
    public const int MaxPdfBytes = 20 * 1024 * 1024;

    private const string Pdf = "application/pdf";

    /// <summary>The response header naming the blob-store key the farmer-signed PDF is kept under.</summary>
    public const string BlobKeyHeader = "Agri-Blob-Key";

    public static RouteGroupBuilder MapContractApi(this RouteGroupBuilder api)
    {
        api.MapGet("/farmers/{id}/identity-checks", IdentityChecksAsync)
            .WithSummary("A farmer's real-name identity checks, oldest first: who checked, how, when and the outcome; never the number.")
            .Produces<PageView<IdentityCheckView>>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/farmers/{id}/identity-checks", CheckIdentityAsync).RequireAuthorization(Permission.IdentifyFarmers.ToString())
            .WithSummary("Records a real-name identity check of a farmer by the token's user (field agents): the resident identity number (GB 11643) is validated and kept only as a keyed hash, never echoed, logged or stored.")
            .Produces<IdentityCheckView>(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/policies/{id}/contract/farmer-signature", FarmerSignsAsync).RequireAuthorization(Permission.IdentifyFarmers.ToString())
            .WithSummary("The farmer signs the contract drawn from the policy on the agent's handheld (field agents), after a passed identity check: answers the farmer-signed PDF, also kept in the blob store (key in the Agri-Blob-Key header). 409 with the outcome when there is no passed check or the policy is in force already.")
            .Produces<byte[]>(StatusCodes.Status200OK, Pdf).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapPost("/policies/{id}/contract/countersignature", CountersignAsync).RequireAuthorization(Permission.Underwrite.ToString())
            .WithSummary("The insurer countersigns the farmer-signed PDF (the body, application/pdf; underwriters): both signatures verified, the PDF kept, its SHA-256 anchored, the policy put in force. 422 with the outcome when the PDF is not the policy's contract signed by its farmer or the signatures do not verify; 409 when the anchor is refused.")
            .Produces<ClosedContractView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapGet("/policies/{id}/contract", SignedContractAsync)
            .WithSummary("The policy's contract signed by both parties, as kept and anchored; 404 before it is in force.")
            .Produces<byte[]>(StatusCodes.Status200OK, Pdf).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/contracts/verify", VerifyAsync)
            .WithSummary("Verifies a contract PDF (the body, application/pdf) offline against the cloud's CA: each signature's verdict, signer, chain, timestamp, revocation at that time and whether the document changed after it; with ?policy=ID also whether its SHA-256 is the one anchored for that policy.")
            .Produces<ContractVerificationView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return api;
    }

    /// <summary><c>POST /pki/ocsp</c>, <c>POST /pki/tsa</c> and <c>GET /pki/crl</c>: the URLs the CA writes into the
    /// certificates it issues (<see cref="CloudOptions.PublicUrl"/>), answered by this host.</summary>
    public static IEndpointRouteBuilder MapPki(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapTrustServices(http =>
        {
            var contracts = Engines(http).Contracts;
            return (contracts.Authority, contracts.Ocsp, contracts.Tsa);
        }, "/pki");

    private static async Task<IResult> IdentityChecksAsync(HttpContext http, string id, int? offset, int? limit, CancellationToken ct)
    {
        var (registry, tenant) = (Engines(http).Registry, Caller(http).Tenant);
        if (await registry.FindFarmerAsync(tenant, id, ct) is null)
            return NotFound("farmer", id);
        return await Paged(offset, limit, async page =>
        {
            var checks = await registry.IdentityChecksAsync(tenant, id, ct);
            return new Paged<IdentityCheck>([.. checks.Skip(page.Offset).Take(page.Limit)], checks.Count, page.Offset);
        }, c => IdentityCheckView.Of(c));
    }

    private static async Task<IResult> CheckIdentityAsync(HttpContext http, string id, NewIdentityCheck body, CancellationToken ct)
    {
        var (engines, tenant) = (Engines(http), Caller(http).Tenant);
        if (await engines.Registry.FindFarmerAsync(tenant, id, ct) is null)
            return NotFound("farmer", id);
        if (!IdentityCheckMethodNames.Parse(body.Method, "method").TryGet(out var method, out var error))
            return Invalid(error);
        var outcome = IdentityCheckOutcome.Passed;
        if (body.Outcome is not null && !IdentityCheckOutcomeNames.Parse(body.Outcome, "outcome").TryGet(out outcome, out error))
            return Invalid(error);
        var recorded = await engines.Contracts.IdentityDesk(tenant).RecordAsync(tenant, new IdentityCheckReport(id, User(http), method, body.Number ?? "", outcome), ct);
        if (!recorded.TryGet(out var check, out error))
            return Invalid(error with { Field = error.Field == "identityNumber" ? "number" : error.Field.Replace("check.", "", StringComparison.Ordinal) });
        return Results.Created($"/api/v1/farmers/{id}/identity-checks", IdentityCheckView.Of(check.Check, check.OtherFarmerIds));
    }

    private static async Task<IResult> FarmerSignsAsync(HttpContext http, string id, CancellationToken ct)
    {
        var (engines, tenant) = (Engines(http), Caller(http).Tenant);
        if (engines.Contracts.Desk is not { } desk)
            return Unavailable(engines);
        var step = await desk.SignAsFarmerAsync(tenant, id, InsurerOf(tenant), ct);
        if (step.Outcome != ClosingOutcome.SignedByFarmer)
            return Refused(step, id);
        // Kept as evidence that the farmer signed, even if the handheld is lost before the countersignature.
        var key = await engines.Blobs.PutAsync(step.Pdf!, Pdf, ct);
        http.Response.Headers[BlobKeyHeader] = key;
        return Results.File(step.Pdf!, Pdf, $"{id}.farmer.pdf");
    }

    private static async Task<IResult> CountersignAsync(HttpContext http, string id, CancellationToken ct)
    {
        var (engines, tenant) = (Engines(http), Caller(http).Tenant);
        if (engines.Contracts.Desk is not { } desk)
            return Unavailable(engines);
        var read = await ReadPdfAsync(http, ct);
        if (read.Pdf is not { } pdf)
            return read.Problem!;
        var step = await desk.CountersignAsync(tenant, id, pdf, InsurerOf(tenant), ct);
        return step.Outcome is ClosingOutcome.Active or ClosingOutcome.AlreadyActive
            ? Results.Ok(new ClosedContractView(step.Outcome.Name(), step.Reason, ContractView.Of(step.Contract!),
                step.Report is { } report ? ContractVerificationView.Of(report, null) : null))
            : Refused(step, id);
    }

    private static async Task<IResult> SignedContractAsync(HttpContext http, string id, CancellationToken ct)
    {
        var (engines, tenant) = (Engines(http), Caller(http).Tenant);
        if (await engines.Registry.FindPolicyAsync(tenant, id, ct) is null)
            return NotFound("policy", id);
        if (await engines.Registry.FindSignedContractAsync(tenant, id, ct) is not { } contract)
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: $"policy '{id}' has no signed contract yet: it is not in force");
        return await engines.Blobs.GetAsync(contract.BlobKey, ct) is { } pdf
            ? Results.File(pdf, Pdf, $"{id}.signed.pdf")
            : Results.Problem(statusCode: StatusCodes.Status500InternalServerError, title: $"the signed contract of policy {id} is missing from the blob store");
    }

    private static async Task<IResult> VerifyAsync(HttpContext http, string? policy, CancellationToken ct)
    {
        var (engines, tenant) = (Engines(http), Caller(http).Tenant);
        if (engines.Contracts.Desk is not { } desk)
            return Unavailable(engines);
        // Another tenant's policy reads as absent here too, so its anchor cannot be probed.
        if (policy is not null && await engines.Registry.FindPolicyAsync(tenant, policy, ct) is null)
            return NotFound("policy", policy);
        var read = await ReadPdfAsync(http, ct);
        if (read.Pdf is not { } pdf)
            return read.Problem!;
        var (report, anchor, anchored) = await desk.VerifyAsync(pdf, policy, ct);
        return Results.Ok(ContractVerificationView.Of(report, policy is null ? null : new AnchorView(policy, anchored, anchor?.Index, anchor?.PayloadHash)));
    }

    private static Insurer InsurerOf(string tenant) => new(tenant, Seal.Png());

    private static string User(HttpContext http) => http.User.FindFirst("sub")?.Value ?? "";

    /// <summary>A closing step that did not go through, as a problem carrying the outcome's wire name, the reason and, when the
    /// PDF was verified, the verifier's report.</summary>
    private static IResult Refused(ClosingStep step, string policyId)
    {
        var status = step.Outcome switch
        {
            ClosingOutcome.PolicyNotFound => StatusCodes.Status404NotFound,
            ClosingOutcome.NotTheFarmersSignature or ClosingOutcome.SignatureInvalid => StatusCodes.Status422UnprocessableEntity,
            _ => StatusCodes.Status409Conflict,
        };
        if (status == StatusCodes.Status404NotFound)
            return NotFound("policy", policyId);
        var extensions = new Dictionary<string, object?> { ["outcome"] = step.Outcome.Name(), ["reason"] = step.Reason };
        if (step.Report is { } report)
            extensions["verification"] = ContractVerificationView.Of(report, null);
        return Results.Problem(statusCode: status, title: $"{step.Outcome.Name()}: {step.Reason}", extensions: extensions);
    }

    private static IResult Unavailable(CloudEngines engines) =>
        Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: engines.Contracts.Unavailable);

    private static IResult BodyProblem(int status, string reason) =>
        Results.Problem(statusCode: status, title: $"body: {reason}", extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { ["body"] = [reason] } });

    private sealed record PdfBody(byte[]? Pdf, IResult? Problem);

    /// <summary>The request's body as a PDF, or the problem: 415 (not <c>application/pdf</c>), 413 (over
    /// <see cref="MaxPdfBytes"/>, refused by its Content-Length before reading, or once that many bytes arrived), 400 naming
    /// <c>body</c> (empty, or no <c>%PDF-</c> header: ISO 32000-1 §7.5.2).</summary>
    private static async Task<PdfBody> ReadPdfAsync(HttpContext http, CancellationToken ct)
    {
        if (!string.Equals(http.Request.ContentType?.Split(';')[0].Trim(), Pdf, StringComparison.OrdinalIgnoreCase))
            return new PdfBody(null, BodyProblem(StatusCodes.Status415UnsupportedMediaType, $"Content-Type is '{http.Request.ContentType}'; send the PDF as {Pdf}"));
        var tooLarge = BodyProblem(StatusCodes.Status413PayloadTooLarge, $"is over {MaxPdfBytes / (1024 * 1024)} MiB; a contract PDF is far smaller");
        if (http.Request.ContentLength > MaxPdfBytes)
            return new PdfBody(null, tooLarge);
        using var body = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = await http.Request.Body.ReadAsync(buffer, ct)) > 0)
        {
            body.Write(buffer, 0, read);
            if (body.Length > MaxPdfBytes)
                return new PdfBody(null, tooLarge);
        }
        var pdf = body.ToArray();
        if (pdf.Length == 0)
            return new PdfBody(null, BodyProblem(StatusCodes.Status400BadRequest, "is empty; send the contract PDF"));
        return pdf.AsSpan().StartsWith("%PDF-"u8)
            ? new PdfBody(pdf, null)
            : new PdfBody(null, BodyProblem(StatusCodes.Status400BadRequest, "is not a PDF (it does not start with %PDF-)"));
    }
}
