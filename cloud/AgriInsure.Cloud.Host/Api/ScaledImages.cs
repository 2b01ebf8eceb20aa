using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Processing;

namespace AgriInsure.Cloud.Host.Api;

/// <summary>Stored JPEGs (and the PNG maps the host draws) answered for a slow link: scaled by the host to the width a page
/// shows them at, with an entity tag (RFC 9110 §8.8.3) of the bytes and the width, so a browser that has the image asks
/// with <c>If-None-Match</c> and gets 304 without a body.</summary>
internal static class ScaledImages
{
    /// <summary>The widest a scaled image is made (pixels); a wider <c>?width=</c> is refused.</summary>
    public const int MaxWidth = 1024;

    public const int MinWidth = 16;

    /// <summary>Stored images larger than this are not decoded (a crafted header can claim any size).</summary>
    private const int MaxSide = 8192;

    /// <summary>How long a browser keeps an image before asking again: stored images never change under their key.</summary>
    private const string CacheControl = "private, max-age=86400";

    /// <summary>The error for a <c>width</c> outside <see cref="MinWidth"/> to <see cref="MaxWidth"/>; null when it is fine.</summary>
    public static Domain.ValidationError? CheckWidth(int? width) =>
        width is { } w && (w < MinWidth || w > MaxWidth) ? new Domain.ValidationError("width", $"is {w}; a scaled image is {MinWidth} to {MaxWidth} pixels wide") : null;

    /// <summary>The stored JPEG <paramref name="jpeg"/>, at most <paramref name="width"/> pixels wide (never enlarged; the
    /// height keeps the aspect ratio), as JPEG, or 304 when the request's <c>If-None-Match</c> holds its tag.</summary>
    public static IResult Jpeg(HttpContext http, byte[] jpeg, int? width, string what) =>
        Scaled(http, jpeg, "image/jpeg", width, what, (image, to) => image.SaveAsJpeg(to, new JpegEncoder { Quality = 80 }));

    /// <summary>A PNG, as <see cref="Jpeg"/> does a JPEG; scaled, it stays a lossless PNG (a map's thin lines and small text).</summary>
    /// <paramref name="source"/>: what a drawn PNG was drawn from (as given to <see cref="NotModified"/>), which tags it
    /// instead of its bytes, so the next request can be answered before drawing.
    public static IResult Png(HttpContext http, byte[] png, int? width, string what, string? source = null) =>
        Scaled(http, png, "image/png", width, what, (image, to) => image.SaveAsPng(to), source);

    /// <summary>304 when the browser has the picture drawn from <paramref name="source"/> (what the drawing rests on,
    /// e.g. a claim's evidence hash) at <paramref name="width"/>: known before anything is drawn or scaled.</summary>
    public static bool NotModified(HttpContext http, string source, int? width) =>
        HttpCaching.NotModified(http, Tag(source, width), CacheControl);

    private static string Tag(string source, int? width) =>
        HttpCaching.Tag(source, width?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "full");

    private static IResult Scaled(HttpContext http, byte[] stored, string contentType, int? width, string what, Action<Image, Stream> encode, string? source = null)
    {
        if (HttpCaching.NotModified(http, Tag(source ?? Convert.ToHexStringLower(SHA256.HashData(stored)), width), CacheControl))
            return Results.StatusCode(StatusCodes.Status304NotModified);
        if (width is not { } w)
            return Results.File(stored, contentType);
        IImageInfo? info;
        try
        {
            info = Image.Identify(stored);
        }
        catch (Exception e) when (e is ImageFormatException or UnknownImageFormatException or InvalidImageContentException)
        {
            return Unreadable(what, e.Message);
        }
        if (info is null)
            return Unreadable(what, "it is not an image");
        if (info.Width > MaxSide || info.Height > MaxSide)
            return Unreadable(what, $"it claims {info.Width}×{info.Height} pixels");
        if (info.Width <= w)
            return Results.File(stored, contentType);
        try
        {
            using var image = Image.Load(stored);
            image.Mutate(x => x.Resize(new ResizeOptions { Size = new Size(w, 0), Mode = ResizeMode.Max }));
            using var scaled = new MemoryStream();
            encode(image, scaled);
            return Results.File(scaled.ToArray(), contentType);
        }
        catch (Exception e) when (e is ImageFormatException or InvalidImageContentException)
        {
            return Unreadable(what, e.Message);
        }
    }

    private static IResult Unreadable(string what, string why) =>
        Results.Problem(statusCode: StatusCodes.Status500InternalServerError, title: $"{what} in the blob store cannot be scaled: {why}");
}
