using System.CommandLine;

namespace Nabla.Cli;

/// <summary><c>nabla report RUN_DIR</c>: writes RUN_DIR/report.html, one offline page with the run's config,
/// curves, samples, parameter counts and the machine.</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var runDir = new Argument<string>("RUN_DIR") { Description = "A run directory written by a training job (holds metrics.jsonl)" };
        var command = new Command("report", "Write a self-contained HTML report of a run (config, curves, samples, parameters, machine) to RUN_DIR/report.html")
        {
            runDir,
        };
        command.SetAction(parse =>
        {
            string path = RunReport.Write(PlotCommand.Existing(parse.GetValue(runDir)!));
            parse.InvocationConfiguration.Output.WriteLine(path);
            return NablaApp.ExitOk;
        });
        return command;
    }
}
