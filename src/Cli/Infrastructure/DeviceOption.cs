using System.CommandLine;
using Pipelines.Onnx.Runtime;
using Pipelines.Trainers;

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

    /// <summary>The help text of a training command's <c>--device</c>: the device, optionally where the train state lives.</summary>
    public const string TrainingDescription =
        "cpu | cuda[:N] | auto[:N], optionally +resident (parameters and optimizer state in ONNX Runtime's device memory, " +
        "host copies only for checkpoints; automatic on CUDA) or +host (pinned host arrays; automatic on the CPU).";

    /// <summary>
    /// Parses a training command's <c>--device</c>: <c>DEVICE</c> or <c>DEVICE+resident</c> / <c>DEVICE+host</c>
    /// (<see cref="StateMemory"/>; without a suffix, <see cref="TrainerOptions.Defaults.StateMemory"/>).
    /// </summary>
    /// <exception cref="PipelinesException">(<see cref="ErrorKind.Usage"/>) Bad device text or suffix.</exception>
    public static (ExecutionDevice Device, StateMemory StateMemory) ParseTraining(string? text)
    {
        string[] parts = (text ?? "cpu").Split('+', 2);
        StateMemory memory = parts.Length == 1
            ? TrainerOptions.Defaults.StateMemory
            : parts[1].Trim().ToLowerInvariant() switch
            {
                "resident" or "device" => StateMemory.Device,
                "host" => StateMemory.Host,
                _ => throw new UsageException($"--device '{text}': the part after '+' must be resident or host."),
            };
        return (Parse(parts[0]), memory);
    }
}
