using System.Text;
using AgriInsure.Signing.Pades;
using AgriInsure.Signing.Pdf;
using AgriInsure.Signing.Pki;
using AgriInsure.Tests;

namespace AgriInsure.Signing.Tests;

/// <summary>Each kind of bad document gets its own verdict, with the reason in words.</summary>
[Collection(SigningCollection.Name)]
public sealed class BadInputTests(SigningFixture fixture)
{
    private static readonly SignatureRectangle Box = new(60, 80, 220, 60);

    [Fact]
    public void One_byte_changed_inside_the_signed_bytes_breaks_both_signatures()
    {
        var pdf = (byte[])fixture.BothSigned.Clone();
        var at = Encoding.Latin1.GetString(pdf).IndexOf("Livestock", StringComparison.Ordinal);
        pdf[at] = (byte)'l';

        var report = fixture.Verifier.Verify(pdf);

        Assert.Equal(DocumentVerdict.Invalid, report.Verdict);
        Assert.All(report.Signatures, s => Assert.Equal(SignatureVerdict.SignedBytesChanged, s.Verdict));
        Assert.Contains("changed since signing", report.Signatures[0].Reason);
    }

    [Fact]
    public void No_byte_flipped_anywhere_makes_the_verifier_throw_and_none_inside_the_first_signed_revision_passes()
    {
        var ranges = PadesSigningTests.Signatures(fixture.BothSigned).First().Value["ByteRange"] as PdfArray;
        var bounds = ranges!.Items.Cast<PdfNumber>().Select(n => n.AsLong).ToArray();
        var random = new Random(17);
        for (var i = 0; i < 60; i++)
        {
            var pdf = (byte[])fixture.BothSigned.Clone();
            var at = random.Next(pdf.Length);
            pdf[at] ^= (byte)(1 << random.Next(8));
            var report = fixture.Verifier.Verify(pdf);
            var signed = at < bounds[1] || (at >= bounds[2] && at < bounds[2] + bounds[3]);
            Assert.False(signed && report.IsValid, $"byte {at} flipped inside the first signature's ranges, yet: {report.Reason}");
        }
    }

    [Fact]
    public void A_later_update_that_rewrites_page_content_is_a_modification_after_both_signatures()
    {
        var file = PdfFile.Parse(fixture.BothSigned);
        var update = new IncrementalUpdate(file);
        update.Replace(new PdfReference(5, 0), new PdfStream(new PdfDictionary(), "BT /F1 18 Tf 60 760 Td (Sum insured: 9,000,000) Tj ET"u8.ToArray()));
        var report = fixture.Verifier.Verify(update.Write());

        Assert.Equal(DocumentVerdict.Invalid, report.Verdict);
        Assert.All(report.Signatures, s =>
        {
            Assert.Equal(SignatureVerdict.DocumentModified, s.Verdict);
            Assert.True(s.ModifiedAfter);
            Assert.Contains("object 5", s.Reason);
        });
    }

    [Fact]
    public void A_later_update_that_adds_a_comment_to_a_page_is_a_modification_after_both_signatures()
    {
        var file = PdfFile.Parse(fixture.BothSigned);
        var update = new IncrementalUpdate(file);
        var (pageReference, page) = file.Pages()[0];
        var note = update.Add(new PdfDictionary { ["Type"] = new PdfName("Annot"), ["Subtype"] = new PdfName("Text"), ["Rect"] = new PdfArray(new PdfNumber(0), new PdfNumber(0), new PdfNumber(9), new PdfNumber(9)) });
        var copy = page.Copy();
        copy["Annots"] = new PdfArray(note);
        update.Replace(pageReference, copy);

        var report = fixture.Verifier.Verify(update.Write());

        Assert.All(report.Signatures, s => Assert.Equal(SignatureVerdict.DocumentModified, s.Verdict));
        Assert.Contains("not a signature field", report.Signatures[0].Reason);
    }

    [Fact]
    public async Task A_certificate_revoked_before_signing_gives_a_revoked_verdict_with_the_time()
    {
        var farmer = fixture.Ca.IssuePerson(new PersonSubject("李秀英", "四川省雅安市"));
        var revokedAt = fixture.Clock.GetUtcNow().AddSeconds(-1);
        fixture.Ca.Revoke(farmer.Certificate.SerialNumber, RevocationReason.KeyCompromise, revokedAt);

        var signed = await fixture.Signer.SignAsync(fixture.Unsigned, new SignatureRequest(farmer, 1, Box, "李秀英"));
        var report = fixture.Verifier.Verify(signed.Bytes);

        var signature = Assert.Single(report.Signatures);
        Assert.Equal(SignatureVerdict.CertificateRevoked, signature.Verdict);
        Assert.Equal(RevocationStatus.Revoked, signature.Revocation);
        Assert.Contains("revoked at", signature.Reason);
        Assert.Equal(DocumentVerdict.Invalid, report.Verdict);
    }

    [Fact]
    public async Task A_certificate_revoked_after_signing_leaves_the_signature_valid()
    {
        var farmer = fixture.Ca.IssuePerson(new PersonSubject("王建军", "四川省雅安市"));
        var signed = await fixture.Signer.SignAsync(fixture.Unsigned, new SignatureRequest(farmer, 1, Box, "王建军"));
        await Task.Delay(1100);
        fixture.Ca.Revoke(farmer.Certificate.SerialNumber, RevocationReason.AffiliationChanged);

        var report = fixture.Verifier.Verify(signed.Bytes);

        Assert.Equal(SignatureVerdict.Valid, Assert.Single(report.Signatures).Verdict);
    }

    [Fact]
    public async Task An_expired_certificate_gives_an_expired_verdict()
    {
        var now = fixture.Clock.GetUtcNow();
        var farmer = fixture.Ca.IssuePerson(new PersonSubject("赵丽", "四川省雅安市"), now.AddYears(-2), now.AddYears(-1));

        var signed = await fixture.Signer.SignAsync(fixture.Unsigned, new SignatureRequest(farmer, 1, Box, "赵丽"));
        var signature = Assert.Single(fixture.Verifier.Verify(signed.Bytes).Signatures);

        Assert.Equal(SignatureVerdict.CertificateExpired, signature.Verdict);
        Assert.Contains("had expired", signature.Reason);
    }

    [Fact]
    public async Task A_timestamp_before_the_certificate_is_valid_gives_a_not_yet_valid_verdict()
    {
        var now = fixture.Clock.GetUtcNow();
        var farmer = fixture.Ca.IssuePerson(new PersonSubject("陈刚", "四川省雅安市"), now.AddDays(30), now.AddYears(2));

        var signed = await fixture.Signer.SignAsync(fixture.Unsigned, new SignatureRequest(farmer, 1, Box, "陈刚"));
        var signature = Assert.Single(fixture.Verifier.Verify(signed.Bytes).Signatures);

        Assert.Equal(SignatureVerdict.CertificateNotYetValid, signature.Verdict);
        Assert.Contains("not yet valid", signature.Reason);
    }

    [Fact]
    public async Task A_certificate_from_another_CA_does_not_chain_to_our_root()
    {
        using var folder = new TempFolder();
        var other = CertificateAuthority.Create(folder.File("other"), new CaSettings("Other Root", "Someone Else", new Uri("http://127.0.0.1:9/ocsp"), new Uri("http://127.0.0.1:9/crl")));
        var stranger = other.IssuePerson(new PersonSubject("张卫国", "四川省雅安市名山区"));
        // Our TSA and responder serve the signer (the stranger's own services are not running).
        var signer = new PadesSigner(new InProcessTrustClient(fixture.Ca, new OcspResponder(fixture.Ca), new TimeStampAuthority(fixture.Ca)));

        var signed = await signer.SignAsync(fixture.Unsigned, new SignatureRequest(stranger, 1, Box, "张卫国"));
        var signature = Assert.Single(fixture.Verifier.Verify(signed.Bytes).Signatures);

        Assert.Equal(SignatureVerdict.UntrustedChain, signature.Verdict);
        Assert.Contains("does not chain to a trust anchor", signature.Reason);
        // The same file against the other CA's root: the chain is fine, but nothing says the certificate was good then.
        var otherVerdict = Assert.Single(new PadesVerifier([other.Root, fixture.Ca.Root]).Verify(signed.Bytes).Signatures).Verdict;
        Assert.Equal(SignatureVerdict.RevocationUnknown, otherVerdict);
    }

    [Fact]
    public void A_signature_without_its_DSS_update_has_unknown_revocation_status()
    {
        var signature = PadesSigningTests.Signatures(fixture.FarmerSigned).First();
        var ranges = ((PdfArray)signature.Value["ByteRange"]!).Items.Cast<PdfNumber>().Select(n => n.AsLong).ToArray();
        var timestampedOnly = fixture.FarmerSigned.AsSpan(0, (int)(ranges[2] + ranges[3])).ToArray();

        var report = fixture.Verifier.Verify(timestampedOnly);

        Assert.Equal(SignatureVerdict.RevocationUnknown, Assert.Single(report.Signatures).Verdict);
    }

    [Fact]
    public void An_unsigned_PDF_is_unsigned()
    {
        var report = fixture.Verifier.Verify(fixture.Unsigned);

        Assert.Equal(DocumentVerdict.Unsigned, report.Verdict);
        Assert.Empty(report.Signatures);
    }

    [Fact]
    public void A_truncated_file_is_truncated()
    {
        foreach (var length in new[] { fixture.BothSigned.Length / 2, fixture.BothSigned.Length - 3, 200 })
        {
            var report = fixture.Verifier.Verify(fixture.BothSigned.AsSpan(0, length).ToArray());
            Assert.True(report.Verdict == DocumentVerdict.Truncated, $"{length}: {report.Verdict} {report.Reason}");
        }
    }

    [Fact]
    public void A_file_that_is_not_a_PDF_is_not_a_PDF()
    {
        Assert.Equal(DocumentVerdict.NotPdf, fixture.Verifier.Verify(fixture.Seal).Verdict);
        Assert.Equal(DocumentVerdict.NotPdf, fixture.Verifier.Verify([]).Verdict);
        Assert.Equal(DocumentVerdict.NotPdf, fixture.Verifier.Verify("hello, world"u8.ToArray()).Verdict);
    }

    [Fact]
    public async Task The_signer_refuses_bad_requests_naming_the_field()
    {
        async Task<string> Refusal(byte[] pdf, SignatureRequest request) =>
            (await Assert.ThrowsAsync<SigningException>(() => fixture.Signer.SignAsync(pdf, request))).Field;

        Assert.Equal("pdf", await Refusal(fixture.Seal, new SignatureRequest(fixture.Farmer, 1, Box, "张卫国")));
        Assert.Equal("pdf", await Refusal(fixture.BothSigned.AsSpan(0, 5000).ToArray(), new SignatureRequest(fixture.Farmer, 1, Box, "张卫国")));
        Assert.Equal("page", await Refusal(fixture.Unsigned, new SignatureRequest(fixture.Farmer, 3, Box, "张卫国")));
        Assert.Equal("rectangle", await Refusal(fixture.Unsigned, new SignatureRequest(fixture.Farmer, 1, new SignatureRectangle(0, 0, 5, 5), "张卫国")));
        Assert.Equal("displayName", await Refusal(fixture.Unsigned, new SignatureRequest(fixture.Farmer, 1, Box, " ")));
        Assert.Equal("sealImage", await Refusal(fixture.Unsigned, new SignatureRequest(fixture.Farmer, 1, Box, "张卫国") { SealImage = "not an image"u8.ToArray() }));
    }
}
