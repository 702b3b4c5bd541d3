using System.CommandLine;
using Nabla.Data;

namespace Nabla.Cli;

/// <summary><c>nabla info</c>: the version, what this machine offers Nabla (CPU, SIMD path, threads), where data is
/// looked for, and which known datasets are already on disk.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var command = new Command("info", "Show the version, the CPU, SIMD path and threads Nabla will use, and where datasets are found");
        command.SetAction(parse =>
        {
            TextWriter output = parse.InvocationConfiguration.Output;
            output.WriteLine($"Nabla {MachineInfo.NablaVersion}");
            foreach (var (label, value) in MachineInfo.Rows().Skip(1)) output.WriteLine($"{label + ":",-10}{value}");
            output.WriteLine($"{"data dir:",-10}{Environment.GetEnvironmentVariable(Datasets.DataDirVariable) ?? $"({Datasets.DataDirVariable} not set)"}");
            output.WriteLine($"{"cache:",-10}{Datasets.CacheDirectory}");
            output.WriteLine("datasets:");
            foreach (string name in Datasets.Known.Keys)
                output.WriteLine($"  {name,-22}{Where(name)}");
            return NablaApp.ExitOk;
        });
        return command;
    }

    private static string Where(string name)
    {
        try { return Datasets.TryFindLocal(name) ?? "not on disk (downloaded on first use)"; }
        catch (InvalidDataException e) { return e.Message; } // an empty file: say so rather than fail the whole report
    }
}
