namespace AgriInsure.Signing.Pades;

/// <summary>What one signature is worth; the first problem found decides (in the order listed after Valid).</summary>
public enum SignatureVerdict
{
    /// <summary>Intact, by a certificate chaining to a trust anchor, timestamped, valid and not revoked at the timestamp's time, nothing but allowed additions since.</summary>
    Valid,

    /// <summary>The signature dictionary or its /ByteRange is malformed, or the range does not cover its revision but the /Contents hole.</summary>
    Malformed,

    /// <summary>The bytes the signature covers have changed since it was made (the message digest does not match).</summary>
    SignedBytesChanged,

    /// <summary>The CMS signature value does not verify with the signer's key, or its signed attributes are wrong.</summary>
    InvalidSignature,

    /// <summary>There is no signature timestamp (not PAdES B-T): the signing time is only claimed.</summary>
    TimestampMissing,

    /// <summary>The timestamp token does not verify, does not cover this signature, or its TSA is not trusted.</summary>
    TimestampInvalid,

    /// <summary>The signer's certificate does not chain to any of the trust anchors given.</summary>
    UntrustedChain,

    /// <summary>The timestamp's time is before the certificate's notBefore.</summary>
    CertificateNotYetValid,

    /// <summary>The timestamp's time is after the certificate's notAfter.</summary>
    CertificateExpired,

    /// <summary>The certificate had been revoked by the timestamp's time (from the embedded OCSP responses or CRLs).</summary>
    CertificateRevoked,

    /// <summary>No embedded revocation data says the certificate was good at the timestamp's time (not PAdES B-LT).</summary>
    RevocationUnknown,

    /// <summary>After this signature the document was changed by more than a document security store, further signatures and their widgets.</summary>
    DocumentModified,
}

/// <summary>The whole file's verdict.</summary>
public enum DocumentVerdict
{
    /// <summary>At least one signature, and every signature valid.</summary>
    Valid,

    /// <summary>At least one signature is not valid.</summary>
    Invalid,

    /// <summary>A readable PDF with no signature.</summary>
    Unsigned,

    /// <summary>Not a PDF at all (no %PDF- header).</summary>
    NotPdf,

    /// <summary>A PDF cut short: no startxref and %%EOF at the end, or bytes after the last %%EOF.</summary>
    Truncated,

    /// <summary>A PDF whose cross-reference data or objects cannot be read.</summary>
    Malformed,
}

/// <summary>Revocation status of the signer's certificate at the timestamp's time, from the embedded data.</summary>
public enum RevocationStatus { NotChecked, Good, Revoked, Unknown }

/// <summary>
/// One signature: its field, verdict and the reason in words; the signer's subject and chain (signer first, anchor
/// last); the timestamp's time; revocation status at that time and its source; the /ByteRange; whether more was
/// appended after the signed revision (and only allowed additions: <see cref="ModifiedAfter"/> false).
/// </summary>
public sealed record SignatureReport(
    string FieldName,
    SignatureVerdict Verdict,
    string Reason,
    string? Signer,
    IReadOnlyList<string> Chain,
    DateTimeOffset? TimestampTime,
    string? TimestampAuthority,
    RevocationStatus Revocation,
    string? RevocationSource,
    IReadOnlyList<long> ByteRange,
    bool CoversWholeRevision,
    bool ModifiedAfter)
{
    public bool IsValid => Verdict == SignatureVerdict.Valid;
}

/// <summary>The file's verdict with the reason in words, each signature's report (in signing order) and the file's SHA-256 (hex).</summary>
public sealed record VerificationReport(DocumentVerdict Verdict, string Reason, IReadOnlyList<SignatureReport> Signatures, string Sha256)
{
    public bool IsValid => Verdict == DocumentVerdict.Valid;
}
