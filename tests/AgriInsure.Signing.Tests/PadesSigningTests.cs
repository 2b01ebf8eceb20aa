using System.Security.Cryptography;
using System.Text;
using AgriInsure.Signing.Pades;
using AgriInsure.Signing.Pdf;
using Org.BouncyCastle.Cms;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AgriInsure.Signing.Tests;

/// <summary>A farmer signs, an insurer countersigns with a seal: checked by our verifier and by pdfsig, openssl cms, openssl ts and pdftoppm.</summary>
[Collection(SigningCollection.Name)]
public sealed class PadesSigningTests(SigningFixture fixture)
{
    [Fact]
    public void Both_signatures_are_valid_in_signing_order_with_timestamps_and_embedded_revocation_data()
    {
        var report = fixture.Verifier.Verify(fixture.BothSigned);

        Assert.Equal(DocumentVerdict.Valid, report.Verdict);
        Assert.Collection(report.Signatures,
            farmer =>
            {
                Assert.Equal(SignatureVerdict.Valid, farmer.Verdict);
                Assert.Contains("CN=张卫国", farmer.Signer);
                Assert.DoesNotContain("SERIALNUMBER", farmer.Signer);
                Assert.Equal(2, farmer.Chain.Count);
                Assert.Equal(RevocationStatus.Good, farmer.Revocation);
                Assert.True(farmer.CoversWholeRevision);
                Assert.False(farmer.ModifiedAfter);
                Assert.Contains("only allowed additions", farmer.Reason);
            },
            insurer =>
            {
                Assert.Equal(SignatureVerdict.Valid, insurer.Verdict);
                Assert.Contains("O=安农财产保险股份有限公司", insurer.Signer);
                Assert.Equal(RevocationStatus.Good, insurer.Revocation);
            });
        var times = report.Signatures.Select(s => s.TimestampTime!.Value).ToList();
        Assert.True(times[0] <= times[1]);
        Assert.InRange(times[1], DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Fact]
    public void Each_signature_is_an_incremental_update_that_leaves_the_bytes_before_it_untouched()
    {
        Assert.True(fixture.FarmerSigned.AsSpan().StartsWith(fixture.Unsigned));
        Assert.True(fixture.BothSigned.AsSpan().StartsWith(fixture.FarmerSigned));
        // Unsigned document, then per signature a signed revision and a DSS revision.
        Assert.Equal(5, Encoding.Latin1.GetString(fixture.BothSigned).Split("%%EOF").Length - 1);
        var file = PdfFile.Parse(fixture.BothSigned);
        Assert.Equal(5, file.Sections.Count);
        var dss = file.ResolveDictionary(file.Catalog["DSS"])!;
        Assert.Equal(2, (file.ResolveDictionary(dss["VRI"]))!.Entries.Count);
        Assert.True(((PdfArray)dss["OCSPs"]!).Items.Count >= 4, "OCSP responses for both signers and the TSA, twice");
    }

    [Fact]
    public void The_signature_dictionary_and_CMS_follow_PAdES_baseline()
    {
        foreach (var (value, cms, _) in Signatures(fixture.BothSigned))
        {
            Assert.Equal("Adobe.PPKLite", value.NameOf("Filter"));
            Assert.Equal("ETSI.CAdES.detached", value.NameOf("SubFilter"));
            var signer = new CmsSignedData(cms).GetSignerInfos().GetSigners().Single();
            Assert.Equal("2.16.840.1.101.3.4.2.1", signer.DigestAlgorithmID.Algorithm.Id);
            var signed = signer.SignedAttributes!.ToDictionary().Keys.Select(k => k.Id).ToHashSet();
            Assert.Equal(new HashSet<string> { "1.2.840.113549.1.9.3", "1.2.840.113549.1.9.4", "1.2.840.113549.1.9.16.2.47" }, signed);
            Assert.NotNull(signer.UnsignedAttributes![new Org.BouncyCastle.Asn1.DerObjectIdentifier("1.2.840.113549.1.9.16.2.14")]);
        }
    }

    [Fact]
    public void Pdfsig_calls_both_signatures_valid_and_their_certificates_trusted()
    {
        var pdf = fixture.Work + "/pdfsig.pdf";
        File.WriteAllBytes(pdf, fixture.BothSigned);
        var nss = Directory.CreateDirectory(fixture.Work + "/nss-" + Guid.NewGuid().ToString("N")).FullName;
        Assert.Equal(0, Tool.Run("certutil", "-N", "-d", "sql:" + nss, "--empty-password").Exit);
        Assert.Equal(0, Tool.Run("certutil", "-A", "-d", "sql:" + nss, "-n", "agri-root", "-t", "CT,C,C", "-i", fixture.RootPem).Exit);

        var (exit, output, error) = Tool.Run("pdfsig", "-nssdir", "sql:" + nss, pdf);

        Assert.True(exit == 0, output + error);
        Assert.Equal(2, Count(output, "Signature Validation: Signature is Valid."));
        Assert.Equal(2, Count(output, "Certificate Validation: Certificate is Trusted."));
        Assert.Contains("ETSI.CAdES.detached", output);
        // Each signature covers its own revision; the DSS update after it is why neither covers the whole file.
        Assert.Equal(2, Count(output, "Not total document signed"));

        // Without our root in its database pdfsig still finds the signatures intact but the issuer untrusted.
        var empty = Directory.CreateDirectory(fixture.Work + "/nss-" + Guid.NewGuid().ToString("N")).FullName;
        Tool.Run("certutil", "-N", "-d", "sql:" + empty, "--empty-password");
        var untrusted = Tool.Run("pdfsig", "-nssdir", "sql:" + empty, pdf).Out;
        Assert.Equal(2, Count(untrusted, "Signature Validation: Signature is Valid."));
        Assert.Equal(2, Count(untrusted, "Certificate Validation: Certificate issuer isn't Trusted."));
    }

    [Fact]
    public void Openssl_verifies_each_CMS_over_its_byte_ranges_and_each_timestamp_token()
    {
        var n = 0;
        foreach (var (_, cms, content) in Signatures(fixture.BothSigned))
        {
            n++;
            var prefix = $"{fixture.Work}/sig{n}-{Guid.NewGuid():N}";
            File.WriteAllBytes(prefix + ".der", cms);
            File.WriteAllBytes(prefix + ".content", content);
            var verified = Tool.Run("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", prefix + ".der", "-content", prefix + ".content",
                "-CAfile", fixture.RootPem, "-purpose", "any", "-out", "/dev/null");
            Assert.True(verified.Exit == 0, verified.Err);
            Assert.Contains("Verification successful", verified.Err);

            var signer = new CmsSignedData(cms).GetSignerInfos().GetSigners().Single();
            var token = PadesCms.TimestampToken(signer)!;
            File.WriteAllBytes(prefix + ".tst", token.GetEncoded());
            var imprint = Convert.ToHexString(SHA256.HashData(signer.GetSignature()));
            var stamped = Tool.Run("openssl", "ts", "-verify", "-token_in", "-in", prefix + ".tst", "-digest", imprint, "-CAfile", fixture.RootPem);
            Assert.True(stamped.Exit == 0, stamped.Out + stamped.Err);
            Assert.Contains("Verification: OK", stamped.Out);

            // The content changed by one byte: openssl refuses it.
            content[content.Length / 2] ^= 1;
            File.WriteAllBytes(prefix + ".content", content);
            Assert.NotEqual(0, Tool.Run("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", prefix + ".der", "-content", prefix + ".content",
                "-CAfile", fixture.RootPem, "-purpose", "any", "-out", "/dev/null").Exit);
        }
        Assert.Equal(2, n);
    }

    [Fact]
    public void The_signature_blocks_render_with_an_embedded_Chinese_font_and_the_seal()
    {
        var pdf = fixture.Work + $"/render-{Guid.NewGuid():N}.pdf";
        File.WriteAllBytes(pdf, fixture.BothSigned);
        var fonts = Tool.Run("pdffonts", "-f", "2", "-l", "2", pdf);
        Assert.Equal(0, fonts.Exit);
        var line = fonts.Out.Split('\n').First(l => l.Contains("WenQuanYiMicroHei"));
        Assert.Contains("CID TrueType", line);
        Assert.Matches(@"Identity-H\s+yes\s+yes\s+yes", line);

        var (exit, _, error) = Tool.Run("pdftoppm", "-r", "72", "-f", "2", "-l", "2", "-png", pdf, pdf);
        Assert.True(exit == 0, error);
        Assert.DoesNotContain("Error", error);
        using var page = Image.Load<Rgba32>(Directory.GetFiles(fixture.Work, Path.GetFileName(pdf) + "*.png").Single());
        // At 72 dpi a point is a pixel; y grows downwards in the image.
        int Dark(SignatureRectangle box, Func<Rgba32, bool> test)
        {
            var count = 0;
            for (var y = (int)(page.Height - box.Bottom - box.Height) + 2; y < page.Height - box.Bottom - 2; y++)
            {
                for (var x = (int)box.Left + 2; x < box.Left + box.Width - 2; x++)
                {
                    if (test(page[x, y]))
                        count++;
                }
            }
            return count;
        }
        var text = (Func<Rgba32, bool>)(p => p.R < 90 && p.G < 90 && p.B < 90);
        var red = (Func<Rgba32, bool>)(p => p.R > 150 && p.G < 80 && p.B < 80);
        Assert.InRange(Dark(SigningFixture.FarmerBox, text), 150, 6000);
        Assert.InRange(Dark(SigningFixture.InsurerBox, text), 150, 6000);
        Assert.InRange(Dark(SigningFixture.InsurerBox, red), 100, 4000);
        Assert.Equal(0, Dark(SigningFixture.FarmerBox, red));
    }

    [Fact]
    public async Task A_PDF_with_an_xref_stream_and_an_object_stream_is_signed_with_an_xref_stream_update()
    {
        var unsigned = TestPdfs.WithXrefStream();
        var signed = await fixture.Signer.SignAsync(unsigned, new SignatureRequest(fixture.Farmer, 1, new SignatureRectangle(40, 40, 200, 50), "张卫国"));

        Assert.True(signed.Bytes.AsSpan().StartsWith(unsigned));
        var file = PdfFile.Parse(signed.Bytes);
        Assert.All(file.Sections, s => Assert.True(s.IsStream));
        Assert.Equal(DocumentVerdict.Valid, fixture.Verifier.Verify(signed.Bytes).Verdict);
        var path = fixture.Work + $"/xref-{Guid.NewGuid():N}.pdf";
        File.WriteAllBytes(path, signed.Bytes);
        Assert.Contains("Signature Validation: Signature is Valid.", Tool.Run("pdfsig", "-nocert", path).Out);
    }

    internal static IEnumerable<(PdfDictionary Value, byte[] Cms, byte[] Content)> Signatures(byte[] pdf)
    {
        var file = PdfFile.Parse(pdf);
        var form = file.ResolveDictionary(file.Catalog["AcroForm"])!;
        foreach (var field in ((PdfArray)file.Resolve(form["Fields"])!).Items)
        {
            var value = file.ResolveDictionary(file.ResolveDictionary(field)!["V"])!;
            var ranges = ((PdfArray)value["ByteRange"]!).Items.Cast<PdfNumber>().Select(n => (int)n.AsLong).ToArray();
            var contents = ((PdfString)value["Contents"]!).Value;
            var cms = contents.AsSpan(0, PadesCms.DerLength(contents)!.Value).ToArray();
            yield return (value, cms, [.. pdf.AsSpan(0, ranges[1]), .. pdf.AsSpan(ranges[2], ranges[3])]);
        }
    }

    private static int Count(string text, string what) => (text.Length - text.Replace(what, "", StringComparison.Ordinal).Length) / what.Length;
}
