using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Nabla.Data;
using Nabla.Kernels;

namespace Nabla.Cli;

/// <summary>What this machine and this build offer Nabla: told by <c>nabla info</c> and written into every report,
/// so that a run's numbers can be read beside the hardware that made them.</summary>
public static class MachineInfo
{
    /// <summary>Nabla's version, as the package and <c>nabla --version</c> give it (without the source revision).</summary>
    public static string NablaVersion
    {
        get
        {
            Assembly library = typeof(Datasets).Assembly;
            string? informational = library.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
            return informational?.Split('+')[0] ?? library.GetName().Version?.ToString() ?? "unknown";
        }
    }

    public static string Runtime => $"{RuntimeInformation.FrameworkDescription} on {RuntimeInformation.OSDescription} ({RuntimeInformation.ProcessArchitecture})";

    /// <summary>The path every kernel takes: <c>DOTNET_EnableAVX512=0</c> turns Vector512 off and moves them all to AVX2.</summary>
    public static string KernelPath =>
        Vector512.IsHardwareAccelerated ? "AVX-512" : Vector256.IsHardwareAccelerated ? "AVX2" : "scalar/128-bit";

    public static string Simd =>
        $"Vector512 {(Vector512.IsHardwareAccelerated ? "yes" : "no")}, Vector256 {(Vector256.IsHardwareAccelerated ? "yes" : "no")}";

    public static string GemmKernel => Gemm.KernelName;

    /// <summary>The threads the kernels split work over (<see cref="ParallelFor.MaxThreads"/>).</summary>
    public static int Threads => ParallelFor.MaxThreads;

    /// <summary>The CPU's model name from /proc/cpuinfo (Linux); null where the file is absent or names none.</summary>
    public static string? CpuModel
    {
        get
        {
            const string cpuinfo = "/proc/cpuinfo";
            if (!File.Exists(cpuinfo)) return null;
            try
            {
                foreach (string line in File.ReadLines(cpuinfo))
                {
                    int colon = line.IndexOf(':');
                    // x86 says "model name"; some ARM kernels say "Model" or "Hardware".
                    if (colon > 0 && line[..colon].Trim() is "model name" or "Model" or "Hardware")
                        return line[(colon + 1)..].Trim();
                }
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
            return null;
        }
    }

    /// <summary>The environment as label/value rows, in the order <c>nabla info</c> prints them.</summary>
    public static IReadOnlyList<(string Label, string Value)> Rows() =>
    [
        ("version", NablaVersion),
        ("runtime", Runtime),
        ("cpu", CpuModel ?? "(unknown: no /proc/cpuinfo)"),
        ("cores", Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("threads", Threads.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("simd", Simd),
        ("kernels", $"{KernelPath} (GEMM micro-kernel {GemmKernel})"),
    ];
}
