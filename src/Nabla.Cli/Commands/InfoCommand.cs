using System.CommandLine;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Nabla.Data;
using Nabla.Kernels;

namespace Nabla.Cli;

/// <summary><c>nabla info</c>: what this machine offers Nabla (SIMD width, cores) and where data is looked for.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var command = new Command("info", "Show the runtime, the SIMD width and cores Nabla will use, and where datasets are found");
        command.SetAction(parse =>
        {
            TextWriter output = parse.InvocationConfiguration.Output;
            output.WriteLine($"Nabla {typeof(Datasets).Assembly.GetName().Version}");
            output.WriteLine($"runtime:  {RuntimeInformation.FrameworkDescription} on {RuntimeInformation.OSDescription} ({RuntimeInformation.ProcessArchitecture})");
            output.WriteLine($"cores:    {Environment.ProcessorCount}");
            output.WriteLine($"simd:     Vector512 {(Vector512.IsHardwareAccelerated ? "yes" : "no")}, Vector256 {(Vector256.IsHardwareAccelerated ? "yes" : "no")}");
            // The path every kernel takes: DOTNET_EnableAVX512=0 turns Vector512 off and moves them all to AVX2.
            output.WriteLine($"kernels:  {(Vector512.IsHardwareAccelerated ? "AVX-512" : Vector256.IsHardwareAccelerated ? "AVX2" : "scalar/128-bit")} (GEMM micro-kernel {Gemm.KernelName})");
            output.WriteLine($"data dir: {Environment.GetEnvironmentVariable(Datasets.DataDirVariable) ?? "(NABLA_DATA_DIR not set)"}");
            output.WriteLine($"cache:    {Datasets.CacheDirectory}");
            return NablaApp.ExitOk;
        });
        return command;
    }
}
