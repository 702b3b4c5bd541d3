using System.CommandLine;
using Nabla.Models;

namespace Nabla.Cli;

/// <summary>
/// <c>nabla gpt download gpt2|gpt2-medium|gpt2-large|gpt2-xl [--cache DIR]</c>: OpenAI's GPT-2 weights from the
/// Hugging Face hub into the cache, where <c>sample --hf NAME</c> and <c>train --init_from NAME</c> find them.
/// Offline, one line names the addresses and the folder to put the files in.
/// </summary>
internal static class GptDownloadCommand
{
    private static readonly Argument<string> NameArgument = new("model") { Description = $"One of {string.Join(", ", PretrainedGpt2.Names)}" };
    private static readonly Option<string?> CacheOption = GptCommand.CreateCacheOption();
    private static readonly Option<string?> EndpointOption = new("--endpoint") { Description = $"Server with the hub's layout [default: ${PretrainedGpt2.EndpointVariable} or {PretrainedGpt2.DefaultEndpoint}]" };

    public static Command Create()
    {
        var command = new Command("download", "Download GPT-2's config.json and model.safetensors from the Hugging Face hub into the cache");
        command.Arguments.Add(NameArgument);
        command.Options.Add(CacheOption);
        command.Options.Add(EndpointOption);
        command.SetAction(parse =>
        {
            string name = parse.GetValue(NameArgument)!;
            if (!PretrainedGpt2.IsKnown(name)) throw new UsageException($"model must be one of {string.Join(", ", PretrainedGpt2.Names)}, got '{name}'");
            TextWriter output = parse.InvocationConfiguration.Output;
            string folder = PretrainedGpt2.Download(name, parse.GetValue(CacheOption), parse.GetValue(EndpointOption), output.WriteLine);
            output.WriteLine($"{name} is in {folder}");
            return NablaApp.ExitOk;
        });
        return command;
    }
}
