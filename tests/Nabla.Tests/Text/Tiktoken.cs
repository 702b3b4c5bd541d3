using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Nabla.Tests.Support;

namespace Nabla.Tests.Text;

/// <summary>
/// tiktoken itself as an oracle: its Rust core compiled to WebAssembly (the npm package <c>tiktoken</c>, pinned
/// in tests/oracles/tiktoken/package.json and installed there by .ci/run), driven by tests/oracles/tiktoken/encode.cjs.
/// All texts and encodings go to one node process. In CI (CI=true) a missing node or package fails the test;
/// elsewhere the test is skipped with the reason. Use with [SkippableFact] / [SkippableTheory].
/// </summary>
internal static class Tiktoken
{
    private static readonly string Folder = Path.Combine(Lessons.RepositoryRoot(), "tests", "oracles", "tiktoken");

    /// <summary>The ids tiktoken gives each text (no special tokens matched), per encoding name.</summary>
    public static Dictionary<string, int[][]> EncodeOrdinary(IReadOnlyList<string> texts, params string[] encodings)
    {
        string node = RequireInstalled();
        var start = new ProcessStartInfo(node, [Path.Combine(Folder, "encode.cjs")])
        {
            WorkingDirectory = Folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
        };
        using var process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(Request(texts, encodings));
        process.StandardInput.Close();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"node encode.cjs exited with {process.ExitCode}: {errors.Result}");
        var ids = JsonSerializer.Deserialize<Dictionary<string, int[][]>>(output.Result)!;
        foreach (string name in encodings)
            Assert.True(ids.TryGetValue(name, out var perText) && perText.Length == texts.Count, $"tiktoken gave no ids for every text in {name}");
        return ids;
    }

    /// <summary>The node executable, once node and the package are found; otherwise a failure in CI, a skip elsewhere.</summary>
    private static string RequireInstalled()
    {
        string? node = Environment.GetEnvironmentVariable("PATH")?.Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, "node")).FirstOrDefault(File.Exists);
        string? reason =
            node is null ? "node is not installed (tiktoken's oracle runs on Node.js)"
            : !File.Exists(Path.Combine(Folder, "node_modules", "tiktoken", "package.json"))
                ? $"the npm package tiktoken is not installed: run `npm ci` in {Folder}"
            : null;
        if (reason is null) return node!;
        TestData.Missing(reason);
        return null!; // unreachable: Missing throws
    }

    /// <summary>The request as JSON, every character outside printable ASCII written as \uXXXX, so that lone
    /// surrogates reach node as they are (a JSON writer would refuse them).</summary>
    private static string Request(IReadOnlyList<string> texts, string[] encodings)
    {
        var json = new StringBuilder("{\"encodings\":[");
        json.AppendJoin(',', encodings.Select(name => $"\"{name}\"")).Append("],\"texts\":[");
        for (int i = 0; i < texts.Count; i++)
        {
            if (i > 0) json.Append(',');
            json.Append('"');
            foreach (char c in texts[i])
                if (c is < ' ' or > '~' or '"' or '\\') json.Append($"\\u{(int)c:X4}");
                else json.Append(c);
            json.Append('"');
        }
        return json.Append("]}").ToString();
    }
}
