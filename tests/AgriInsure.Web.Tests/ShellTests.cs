using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using AgriInsure.Cloud.Host.Api;
using AgriInsure.Cloud.Host.Jobs;
using AgriInsure.Tests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace AgriInsure.Web.Tests;

/// <summary>The pages' shell in a real browser: signing in with the API's own token, the session cookie's guards,
/// both languages, what the first load costs on a slow link, and the committed bundle being the source's.</summary>
public sealed class ShellTests(WebHost host) : IClassFixture<WebHost>
{
    [Fact]
    public async Task A_signed_out_visitor_gets_the_sign_in_page_and_a_bad_token_is_named_not_crashed()
    {
        await using var tab = await host.OpenSignedOutAsync();
        Assert.Equal("Sign in", await tab.Page.Locator("main h1").InnerTextAsync());
        await tab.ShotAsync("sign-in");
        await tab.AssertAccessibleAsync();

        await tab.Page.GetByLabel("Access token").FillAsync("not-a-token");
        await tab.Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await tab.Page.GetByRole(AriaRole.Alert).WaitForAsync();
        Assert.Contains("token: is not valid here", await tab.Page.GetByRole(AriaRole.Alert).InnerTextAsync());

        await tab.Page.GetByLabel("Access token").FillAsync(host.Token("picc", Role.Underwriter, "li.wei"));
        await tab.Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await tab.Page.GetByText("Signed in as li.wei, Underwriter of picc.").WaitForAsync();
        tab.AssertNoErrors();
    }

    [Fact]
    public async Task A_sign_in_link_signs_the_browser_in_and_leaves_no_token_in_the_address_bar()
    {
        await using var tab = await host.OpenSignedOutAsync();
        await tab.Page.GotoAsync($"/#/sign-in?token={host.Token("picc", Role.ClaimsOfficer, "zhang.min")}");
        await tab.Page.GetByText("Signed in as zhang.min, Claims officer of picc.").WaitForAsync();
        Assert.DoesNotContain("token", tab.Page.Url, StringComparison.Ordinal);
        tab.AssertNoErrors();
    }

    [Fact]
    public async Task An_expired_sign_in_link_says_it_has_expired()
    {
        await using var tab = await host.OpenSignedOutAsync();
        var expired = host.Token("picc", Role.Auditor, "late", DateTimeOffset.UtcNow.AddHours(-3));
        await tab.Page.GotoAsync($"/#/sign-in?token={expired}");
        await tab.Page.GetByRole(AriaRole.Alert).WaitForAsync();
        Assert.Contains("it has expired", await tab.Page.GetByRole(AriaRole.Alert).InnerTextAsync());
        Assert.Contains("Not signed in", await tab.Page.GetByRole(AriaRole.Alert).InnerTextAsync());
        tab.AssertNoErrors();
    }

    [Theory]
    [InlineData(Role.Underwriter)]
    [InlineData(Role.ClaimsOfficer)]
    [InlineData(Role.FieldAgent)]
    [InlineData(Role.Auditor)]
    public async Task Each_role_lands_on_its_start_page_in_English_and_in_Chinese(Role role)
    {
        await using var en = await host.OpenAsync("picc", role);
        Assert.Contains($"{role.Name()}-of-picc", await en.MainTextAsync());
        await en.ShotAsync($"start-{role.Name()}-en");
        await en.AssertAccessibleAsync();

        await using var zh = await host.OpenAsync("picc", role, language: "zh-CN");
        Assert.Equal("zh-CN", await zh.Page.EvaluateAsync<string>("document.documentElement.lang"));
        Assert.Equal("首页", await zh.Page.Locator("main h1").InnerTextAsync());
        await zh.ShotAsync($"start-{role.Name()}-zh");
        await zh.AssertAccessibleAsync();
    }

    [Fact]
    public async Task The_language_switch_relabels_the_page_and_is_remembered()
    {
        await using var tab = await host.OpenAsync("picc", Role.Auditor);
        await tab.Page.GetByLabel("Language").SelectOptionAsync("zh-CN");
        await tab.Page.GetByRole(AriaRole.Button, new() { Name = "退出登录" }).WaitForAsync();
        await tab.Page.ReloadAsync();
        await tab.SettleAsync();
        Assert.Equal("首页", await tab.Page.Locator("main h1").InnerTextAsync());
        tab.AssertNoErrors();
    }

    [Fact]
    public async Task The_first_load_on_a_slow_link_stays_under_500_KB()
    {
        await using var tab = await host.OpenAsync("picc", Role.Underwriter);
        var bytes = await tab.TransferredBytesAsync();
        Assert.True(bytes is > 10_000 and <= 500_000, $"first load: {bytes:N0} bytes");
    }

    [Fact]
    public async Task The_session_cookie_is_httponly_strict_and_changes_nothing_without_the_pages_header()
    {
        await using var tab = await host.OpenAsync("picc", Role.FieldAgent);
        var cookie = Assert.Single(await tab.Context.CookiesAsync(), c => c.Name == "agri_session");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.Null(await tab.Page.EvaluateAsync<string?>("document.cookie.includes('agri_session') ? 'visible' : null"));

        // What a form on another site could send: the cookie, no header. Refused; with the header, done.
        var forged = await tab.Context.APIRequest.PostAsync("/api/v1/farmers", new() { DataObject = new { id = "F-csrf", name = "x", region = "y" } });
        Assert.Equal(401, forged.Status);
        var page = await tab.Context.APIRequest.PostAsync("/api/v1/farmers", new()
        {
            DataObject = new { id = "F-csrf", name = "x", region = "y" },
            Headers = new Dictionary<string, string> { ["X-Agri-Csrf"] = "1" },
        });
        Assert.Equal(201, page.Status);

        await tab.Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await tab.Page.GetByLabel("Access token").WaitForAsync();
        Assert.DoesNotContain(await tab.Context.CookiesAsync(), c => c.Name == "agri_session");
    }

    [Fact]
    public async Task A_session_refuses_an_expired_or_foreign_token_naming_why()
    {
        var foreign = Access.Issue(new AuthOptions(), new byte[32], "mallory", "picc", Role.Underwriter, TimeSpan.FromHours(1), DateTimeOffset.UtcNow);
        var response = await host.Http.PostAsJsonAsync("/session", new { token = foreign });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("not signed with this cloud's key", await response.Content.ReadAsStringAsync());
        var empty = await host.Http.PostAsJsonAsync("/session", new { token = " " });
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Contains("token", await empty.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_pages_come_from_the_host_with_a_strict_content_policy_and_long_lived_bundle_files()
    {
        var index = await host.Http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        Assert.Contains("default-src 'self'", index.Headers.GetValues("Content-Security-Policy").Single());
        var html = await index.Content.ReadAsStringAsync();
        var script = System.Text.RegularExpressions.Regex.Match(html, "src=\"(/app-[A-Z0-9]+\\.js)\"").Groups[1].Value;
        var bundle = await host.Http.GetAsync(script);
        Assert.Equal(HttpStatusCode.OK, bundle.StatusCode);
        Assert.Contains("immutable", bundle.Headers.CacheControl!.ToString());
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_job_reports_progress_to_its_tenant_only()
    {
        var board = host.Services.GetRequiredService<JobBoard>();
        var gate = new TaskCompletionSource();
        var job = board.Start("picc", "li.wei", "test", async (progress, ct) =>
        {
            progress.SetTotal(4);
            progress.Advance(1);
            await gate.Task.WaitAsync(ct);
            progress.Advance(3);
            return new { answer = 42 };
        });
        var running = await (await host.Api(HttpMethod.Get, $"/api/v1/jobs/{job.Id}", "picc", Role.Auditor)).Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonNode>();
        Assert.Equal(4, (int)running!["total"]!);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Api(HttpMethod.Get, $"/api/v1/jobs/{job.Id}", "other", Role.Auditor)).StatusCode);
        gate.SetResult();
        await board.WhenEnded(job.Id);
        var done = await (await host.Api(HttpMethod.Get, $"/api/v1/jobs/{job.Id}", "picc", Role.Auditor)).Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonNode>();
        Assert.Equal("done", (string)done!["state"]!);
        Assert.Equal(42, (int)done["result"]!["answer"]!);
    }

    [Fact]
    public async Task The_committed_bundle_is_what_the_sources_build_to()
    {
        var build = Path.Combine(Repo.Root, "tools", "web", "build.mjs");
        using var node = Process.Start(new ProcessStartInfo("node", [build, "--check"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = await node.StandardOutput.ReadToEndAsync() + await node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync();
        Assert.True(node.ExitCode == 0, $"build.mjs --check exited {node.ExitCode}: {output}");
    }
}
