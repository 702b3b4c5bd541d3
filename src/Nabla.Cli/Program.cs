namespace Nabla.Cli;

public static class Program
{
    public static int Main(string[] args) => NablaApp.Run(args, Console.Out, Console.Error);
}
