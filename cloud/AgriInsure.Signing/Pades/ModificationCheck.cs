using AgriInsure.Signing.Pdf;

namespace AgriInsure.Signing.Pades;

/// <summary>
/// What the updates after a signed revision may do without invalidating it (the changes ISO 32000-1 §12.8.2.2 DocMDP
/// level 2 permits for signing, and ETSI EN 319 142-1 adds for the DSS): add new objects; in the catalog change only
/// /DSS and /AcroForm; in the form only append signature fields to /Fields and set /SigFlags; on a page only append
/// signature widgets to /Annots; rewrite a /DSS. Anything else — another object changed or deleted, a new root — is a
/// modification of the signed document.
/// </summary>
internal static class ModificationCheck
{
    /// <summary>The first disallowed change from <paramref name="before"/> to <paramref name="after"/> in words; null when none.</summary>
    public static string? DisallowedChange(PdfFile before, PdfFile after)
    {
        if (before.RootReference != after.RootReference)
            return "the document catalog was replaced";
        var formReference = before.Catalog["AcroForm"] as PdfReference;
        var dssReference = before.Catalog["DSS"] as PdfReference;
        foreach (var (number, entry) in after.Entries)
        {
            if (!before.Entries.TryGetValue(number, out var old) || old.Kind == XrefKind.Free)
                continue;
            if (old == entry)
                continue;
            if (entry.Kind == XrefKind.Free)
                return $"object {number} was deleted";
            var oldValue = before.Get(number);
            var newValue = after.Get(number);
            if (Equals(oldValue, newValue))
                continue;
            string? problem;
            if (number == before.RootReference.Number)
                problem = Catalog(before, after, (PdfDictionary)oldValue!, newValue as PdfDictionary);
            else if (number == formReference?.Number)
                problem = Form(before, after, oldValue as PdfDictionary, newValue as PdfDictionary);
            else if (number == dssReference?.Number || (oldValue as PdfDictionary)?.NameOf("Type") == "DSS")
                problem = null;
            else if (oldValue is PdfDictionary { } page && page.NameOf("Type") == "Page")
                problem = Page(before, after, page, newValue as PdfDictionary);
            else if (oldValue is PdfArray oldArray)
                problem = Appended(before, after, oldArray, newValue as PdfArray, $"array {number}");
            else
                problem = $"object {number}{Describe(oldValue)} was changed";
            if (problem is not null)
                return problem;
        }
        return null;
    }

    private static string? Catalog(PdfFile before, PdfFile after, PdfDictionary old, PdfDictionary? now)
    {
        if (now is null)
            return "the catalog is no longer a dictionary";
        var other = Others(old, now, "DSS", "AcroForm");
        if (other is not null)
            return $"the catalog's /{other} was changed";
        if (Equals(old["AcroForm"], now["AcroForm"]))
            return null;
        // The form moved or changed inline: judge the new form against the old one.
        return Form(before, after, before.ResolveDictionary(old["AcroForm"]), after.ResolveDictionary(now["AcroForm"]));
    }

    private static string? Form(PdfFile before, PdfFile after, PdfDictionary? old, PdfDictionary? now)
    {
        if (now is null)
            return "the form (/AcroForm) was removed";
        old ??= new PdfDictionary();
        var other = Others(old, now, "Fields", "SigFlags");
        if (other is not null)
            return $"the form's /{other} was changed";
        var oldFields = before.Resolve(old["Fields"]) as PdfArray ?? new PdfArray();
        var newFields = after.Resolve(now["Fields"]) as PdfArray;
        return Appended(before, after, oldFields, newFields, "the form's /Fields");
    }

    private static string? Page(PdfFile before, PdfFile after, PdfDictionary old, PdfDictionary? now)
    {
        if (now is null)
            return "a page is no longer a dictionary";
        var other = Others(old, now, "Annots");
        if (other is not null)
            return $"a page's /{other} was changed";
        var oldAnnots = before.Resolve(old["Annots"]) as PdfArray ?? new PdfArray();
        return Appended(before, after, oldAnnots, after.Resolve(now["Annots"]) as PdfArray, "a page's /Annots");
    }

    // The old items kept in order at the start, and each item added a signature field or widget.
    private static string? Appended(PdfFile before, PdfFile after, PdfArray old, PdfArray? now, string what)
    {
        if (now is null || now.Items.Count < old.Items.Count || !now.Items.Take(old.Items.Count).SequenceEqual(old.Items))
            return $"{what} lost or reordered entries";
        foreach (var added in now.Items.Skip(old.Items.Count))
        {
            var item = after.ResolveDictionary(added);
            var isSignature = item is not null && (item.NameOf("FT") == "Sig" || after.ResolveDictionary(item["Parent"])?.NameOf("FT") == "Sig");
            if (!isSignature)
                return $"{what} gained an entry that is not a signature field";
            if (added is PdfReference r && before.Entries.TryGetValue(r.Number, out var existing) && existing.Kind != XrefKind.Free)
                return $"{what} gained object {r.Number}, which existed before the signature";
        }
        return null;
    }

    private static string? Others(PdfDictionary old, PdfDictionary now, params string[] allowed)
    {
        foreach (var key in old.Entries.Select(e => e.Key).Union(now.Entries.Select(e => e.Key)))
        {
            if (!allowed.Contains(key) && !Equals(old[key], now[key]))
                return key;
        }
        return null;
    }

    private static string Describe(PdfObject? value) => value switch
    {
        PdfDictionary d when d.NameOf("Type") is { } type => $" (/{type})",
        PdfStream s when s.Dictionary.NameOf("Type") is { } type => $" (/{type} stream)",
        PdfStream => " (a stream)",
        _ => "",
    };
}
