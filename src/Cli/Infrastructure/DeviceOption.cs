using System.CommandLine;
using Pipelines.Onnx.Runtime;

namespace Pipelines.Cli.Infrastructure;

/// <summary>The <c>--device</c> option shared by commands that run ONNX Runtime sessions.</summary>
internal static class DeviceOption
{
    /// <summary>A fresh <c>--device</c> option (cpu by default).</summary>
    public static Option<string> Create() => new("--device")
    {
        Description = "Execution device: cpu, cuda, cuda:N, or auto[:N] (CUDA when it works, else CPU with a warning).",
        DefaultValueFactory = _ => "cpu",
    };

    /// <summary>Parses the option's text into a typed device; bad text is a usage error (<see cref="ErrorKind.Usage"/>).</summary>
    public static ExecutionDevice Parse(string? text) => ExecutionDevice.Parse(text ?? "cpu");
}
