using System.Net.Http.Headers;
using System.Net.Http.Json;
using AgriInsure.Cloud.Host;
using AgriInsure.Cloud.Host.Api;
using AgriInsure.Tests;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;

namespace AgriInsure.Web.Tests;

/// <summary>The cloud host on a free 127.0.0.1 port over a temporary cloud folder, and Debian's Chromium driven
/// headless through Playwright (no browser download: <see cref="Browser"/> is /usr/bin/chromium). A test class takes
/// one as its class fixture, through a subclass that puts its own records in with <see cref="SeedAsync"/>.
/// Screenshots go to <c>TestResults/screenshots/</c> at the repository's root (the suite's artifacts).</summary>
public class WebHost : IAsyncLifetime
{
    public const string Browser = "/usr/bin/chromium";

    private readonly TempFolder _home = new();
    private WebApplication _app = null!;
    private IPlaywright _playwright = null!;
    private byte[] _secret = null!;
    private AuthOptions _auth = null!;

    public IBrowser Chromium { get; private set; } = null!;

    public string Address { get; private set; } = "";

    public HttpClient Http { get; private set; } = null!;

    public IServiceProvider Services => _app.Services;

    public CloudEngines Engines => _app.Services.GetRequiredService<CloudRuntime>().Engines!;

    public string CloudFolder => _home.File("cloud");

    public static string Screenshots { get; } = Path.Combine(Repo.Root, "TestResults", "screenshots");

    /// <summary>Settings beside the defaults (a raster folder, say).</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>();

    /// <summary>Puts the records a test class reads into the running cloud (through <see cref="Engines"/> or <see cref="Api"/>).</summary>
    protected virtual Task SeedAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Cloud:Folder"] = CloudFolder,
            ["Cloud:Manifest"] = Repo.Manifest,
            ["Cloud:BrokerPort"] = "0",
        };
        foreach (var (k, v) in Settings)
            settings[k] = v;
        _app = CloudHost.Build(["--urls", "http://127.0.0.1:0"], settings);
        await _app.StartAsync();
        Address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Http = new HttpClient { BaseAddress = new Uri(Address) };
        _auth = _app.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
        _secret = Access.Secret(_auth, CloudFolder);
        if (!File.Exists(Browser))
            throw new InvalidOperationException($"{Browser} is missing: tools/setup --tests installs Debian's chromium");
        _playwright = await Playwright.CreateAsync();
        Chromium = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Browser,
            Headless = true,
            // Chromium's sandbox needs user namespaces a root CI runner lacks.
            Args = ["--no-sandbox"],
        });
        await SeedAsync();
    }

    public async Task DisposeAsync()
    {
        if (Chromium is not null)
            await Chromium.CloseAsync();
        _playwright?.Dispose();
        Http?.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _home.Dispose();
    }

    /// <summary>A bearer token of <paramref name="user"/> in <paramref name="tenant"/> with <paramref name="role"/>, valid an hour
    /// from <paramref name="issued"/> (now by default).</summary>
    public string Token(string tenant, Role role, string? user = null, DateTimeOffset? issued = null) =>
        Access.Issue(_auth, _secret, user ?? $"{role.Name()}-of-{tenant}", tenant, role, TimeSpan.FromHours(1), issued ?? DateTimeOffset.UtcNow);

    /// <summary>An API call with a bearer token (seeding, and checking what a page claims against the API).</summary>
    public Task<HttpResponseMessage> Api(HttpMethod method, string path, string tenant, Role role, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token(tenant, role));
        if (body is not null)
            request.Content = JsonContent.Create(body);
        return Http.SendAsync(request);
    }

    /// <summary>A new browser (its own cookies) signed in as <paramref name="role"/> of <paramref name="tenant"/>, on
    /// <paramref name="route"/> (a hash route, "/claims") in <paramref name="language"/>, once the page's heading shows.
    /// The page fails the test on any script error or console error it logs.</summary>
    public async Task<WebPage> OpenAsync(string tenant, Role role, string route = "/", string language = "en")
    {
        var context = await Chromium.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Address,
            Locale = language,
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        await context.AddInitScriptAsync($"if (!localStorage.getItem('agri.lang')) localStorage.setItem('agri.lang', '{language}')");
        var signIn = await context.APIRequest.PostAsync("/session", new APIRequestContextOptions { DataObject = new { token = Token(tenant, role) } });
        if (!signIn.Ok)
            throw new InvalidOperationException($"sign-in as {role} of {tenant}: {signIn.Status} {await signIn.TextAsync()}");
        var page = new WebPage(context, await context.NewPageAsync());
        await page.GoAsync(route);
        return page;
    }

    /// <summary>Opens each of <paramref name="routes"/> in Chinese as <paramref name="role"/> of <paramref name="tenant"/>,
    /// screenshots it (NAME-zh-N.png) and fails the test with what is not translated on each ("route: word (where), …")
    /// or with a script error.</summary>
    public async Task AssertReadsInChineseAsync(string name, string tenant, Role role, params string[] routes)
    {
        var found = new List<string>();
        await using var tab = await OpenAsync(tenant, role, routes[0], "zh-CN");
        for (var i = 0; i < routes.Length; i++)
        {
            if (i > 0)
                await tab.GoAsync(routes[i]);
            await tab.Page.WaitForFunctionAsync("() => [...document.images].every(i => i.complete)");
            await tab.ShotAsync($"{name}-zh-{i + 1}");
            if (await tab.UntranslatedAsync() is { Length: > 0 } words)
                found.Add($"{routes[i]}: {string.Join(", ", words)}");
        }
        Assert.True(found.Count == 0, "not translated:\n" + string.Join("\n", found));
        tab.AssertNoErrors();
    }

    /// <summary>A browser with no session (the sign-in page).</summary>
    public async Task<WebPage> OpenSignedOutAsync(string language = "en")
    {
        var context = await Chromium.NewContextAsync(new BrowserNewContextOptions { BaseURL = Address, Locale = language });
        await context.AddInitScriptAsync($"if (!localStorage.getItem('agri.lang')) localStorage.setItem('agri.lang', '{language}')");
        var page = new WebPage(context, await context.NewPageAsync());
        await page.GoAsync("/");
        return page;
    }
}

/// <summary>One browser tab of one user: what it loaded (bytes on the wire) and every script or console error it met.</summary>
public sealed class WebPage : IAsyncDisposable
{
    private readonly List<string> _errors = [];
    private readonly List<IRequest> _requests = [];

    public WebPage(IBrowserContext context, IPage page)
    {
        Context = context;
        Page = page;
        page.Console += (_, m) =>
        {
            // A refused API call is logged by Chromium as a failed resource load: the pages show those themselves.
            if (m.Type == "error" && !m.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
                _errors.Add($"console: {m.Text}");
        };
        page.PageError += (_, e) => _errors.Add($"script: {e}");
        page.RequestFinished += (_, r) => _requests.Add(r);
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    public IReadOnlyList<string> Errors => _errors;

    /// <summary>Goes to a hash route and waits until the page's heading and every request it started are done.</summary>
    public async Task GoAsync(string route)
    {
        await Page.GotoAsync($"/#{route}");
        await SettleAsync();
    }

    /// <summary>Waits for the page to stop loading (no request for 500 ms, nothing marked aria-busy).</summary>
    public async Task SettleAsync()
    {
        await Page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await Page.Locator("main h1").WaitForAsync();
        await Page.WaitForFunctionAsync("() => !document.querySelector('[aria-busy=true]')");
    }

    /// <summary>Bytes transferred so far (response headers and encoded bodies, as Chromium counted them).</summary>
    public async Task<long> TransferredBytesAsync()
    {
        long total = 0;
        foreach (var r in _requests.ToList())
        {
            var sizes = await r.SizesAsync();
            total += sizes.ResponseBodySize + sizes.ResponseHeadersSize;
        }
        return total;
    }

    /// <summary>A screenshot of the whole page into TestResults/screenshots/NAME.png.</summary>
    public async Task ShotAsync(string name)
    {
        Directory.CreateDirectory(WebHost.Screenshots);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(WebHost.Screenshots, $"{name}.png"), FullPage = true });
    }

    /// <summary>
    /// Latin words (three letters or more) a reader of the page's language would see or hear in a Chinese page: its text
    /// and the alt, title, aria-label and placeholder of its elements, outside what is marked <c>translate="no"</c>
    /// (ids, names, file names: what the user typed or the ledger holds). Technical abbreviations read the same in
    /// Chinese are allowed. Empty for a page in English.
    /// </summary>
    public Task<string[]> UntranslatedAsync() => Page.EvaluateAsync<string[]>("""
        () => {
          if (!document.documentElement.lang.startsWith('zh')) return [];
          const allowed = new Set(['AgriInsure', 'NDVI', 'CNY', 'WGS', 'UTM', 'PNG', 'SHA', 'EPSG', 'GDAL', 'JSON', 'GeoJSON', 'PDF', 'PAdES', 'Leaflet', 'EVM', 'TAR', 'FAR', 'RFC']);
          const found = new Set();
          const scan = (text, where) => {
            for (const word of text.match(/[A-Za-z]+(?:['’-][A-Za-z]+)*/g) ?? []) if (word.length >= 3 && !allowed.has(word)) found.add(`${word} (${where})`);
          };
          const skip = (el) => el.closest('[translate=no], code, script, style, noscript');
          // An attribute cannot mark part of itself: words of the values the page shows verbatim are not labels there.
          const verbatim = new Set([...document.querySelectorAll('[translate=no]')].flatMap((el) => el.textContent.match(/[A-Za-z]+/g) ?? []));
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          while (walker.nextNode()) {
            const node = walker.currentNode;
            if (!skip(node.parentElement) && node.parentElement.checkVisibility()) scan(node.textContent, node.parentElement.tagName.toLowerCase());
          }
          for (const el of document.body.querySelectorAll('[alt], [title], [aria-label], [placeholder]'))
            if (!skip(el)) for (const a of ['alt', 'title', 'aria-label', 'placeholder']) if (el.hasAttribute(a)) scan(el.getAttribute(a).replace(/[A-Za-z]+/g, (w) => (verbatim.has(w) ? '' : w)), `${el.tagName.toLowerCase()}@${a}`);
          scan(document.title, 'title');
          return [...found];
        }
        """);

    /// <summary>axe-core over the page: no serious or critical violation, no script error so far, and on a Chinese
    /// page no English word (<see cref="UntranslatedAsync"/>).</summary>
    public async Task AssertAccessibleAsync()
    {
        var untranslated = await UntranslatedAsync();
        Assert.True(untranslated.Length == 0, "not translated: " + string.Join(", ", untranslated));
        var result = await Page.RunAxe();
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, string.Join("\n", serious.Select(v =>
            $"{v.Impact} {v.Id}: {v.Help} — {string.Join("; ", v.Nodes.Take(3).Select(n => string.Join(" ", n.Target.ToString())))}")));
        AssertNoErrors();
    }

    public void AssertNoErrors() => Assert.True(_errors.Count == 0, string.Join("\n", _errors));

    /// <summary>The text of the page's main part.</summary>
    public Task<string> MainTextAsync() => Page.Locator("main").InnerTextAsync();

    public async ValueTask DisposeAsync() => await Context.CloseAsync();
}
