using System.Diagnostics;
using System.Globalization;
using System.Xml.Linq;

namespace AgriInsure.Underwriting.Tests;

/// <summary>poppler-utils (Debian), a PDF reader we did not write: what it reads back of a contract is what a farmer's
/// viewer shows.</summary>
internal static class Poppler
{
    public static string Run(string tool, params string[] args)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start: install poppler-utils");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(30_000))
        {
            process.Kill();
            throw new TimeoutException($"{tool} ran over 30 s");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{tool} {string.Join(' ', args)} exited {process.ExitCode}: {error.Result}");
        return output.Result;
    }

    public static string Text(string pdf) => Run("pdftotext", "-enc", "UTF-8", pdf, "-");

    /// <summary>Every word pdftotext finds, with its page (0-based) and box in points from the page's top-left.</summary>
    public static List<Word> Words(string pdf)
    {
        var html = Run("pdftotext", "-bbox", "-enc", "UTF-8", pdf, "-");
        var doc = XDocument.Parse(html.Replace("<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\" \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">", ""));
        XNamespace ns = "http://www.w3.org/1999/xhtml";
        var words = new List<Word>();
        var pages = doc.Descendants(ns + "page").ToList();
        for (var p = 0; p < pages.Count; p++)
        {
            foreach (var w in pages[p].Elements(ns + "word"))
            {
                double D(string name) => double.Parse(w.Attribute(name)!.Value, CultureInfo.InvariantCulture);
                words.Add(new Word(p, w.Value, D("xMin"), D("yMin"), D("xMax"), D("yMax")));
            }
        }
        return words;
    }

    /// <summary>Page <paramref name="page"/> (0-based) as 8-bit grey pixels at <paramref name="dpi"/>.</summary>
    public static (int Width, int Height, byte[] Pixels) Render(string pdf, int page, int dpi)
    {
        var prefix = Path.Combine(Path.GetDirectoryName(pdf)!, $"page{page}");
        Run("pdftoppm", "-gray", "-r", dpi.ToString(CultureInfo.InvariantCulture), "-f", (page + 1).ToString(CultureInfo.InvariantCulture),
            "-l", (page + 1).ToString(CultureInfo.InvariantCulture), "-singlefile", pdf, prefix);
        var bytes = File.ReadAllBytes(prefix + ".pgm");
        // Binary PGM: "P5\n<width> <height>\n255\n" then the pixels.
        var header = new List<string>();
        var at = 0;
        while (header.Count < 4)
        {
            var end = at;
            while (!char.IsWhiteSpace((char)bytes[end]))
                end++;
            header.Add(System.Text.Encoding.ASCII.GetString(bytes, at, end - at));
            at = end + 1;
        }
        var (width, height) = (int.Parse(header[1], CultureInfo.InvariantCulture), int.Parse(header[2], CultureInfo.InvariantCulture));
        return (width, height, bytes[at..(at + width * height)]);
    }
}

internal sealed record Word(int Page, string Text, double XMin, double YMin, double XMax, double YMax);
