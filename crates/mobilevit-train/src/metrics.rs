//! `metrics.csv` (one row per epoch) and `curves.svg` (loss and accuracy against epochs).

use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::TrainError;

/// One epoch's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochMetrics {
    /// Epoch (1-based).
    pub epoch: usize,
    /// Optimizer steps so far.
    pub step: usize,
    /// Learning rate of the last step.
    pub lr: f64,
    /// Mean training loss over the epoch.
    pub train_loss: f64,
    /// Evaluation top-1 (raw weights), if evaluated.
    pub eval_top1: Option<f64>,
    /// Evaluation top-5.
    pub eval_top5: Option<f64>,
    /// Evaluation loss.
    pub eval_loss: Option<f64>,
    /// Evaluation top-1 of the EMA weights.
    pub ema_top1: Option<f64>,
    /// Training images per second.
    pub images_per_sec: f64,
    /// Unreadable images skipped this epoch.
    pub skipped_images: usize,
}

const HEADER: &str =
    "epoch,step,lr,train_loss,eval_top1,eval_top5,eval_loss,ema_top1,images_per_sec,skipped_images";

fn cell(value: Option<f64>) -> String {
    value.map(|v| format!("{v:.6}")).unwrap_or_default()
}

/// Writes all rows to `path` (rewritten each epoch, so a resumed run keeps its history).
pub fn write_csv(path: &Path, rows: &[EpochMetrics]) -> Result<(), TrainError> {
    let mut text = String::from(HEADER);
    text.push('\n');
    for row in rows {
        let _ = writeln!(
            text,
            "{},{},{:.6e},{:.6},{},{},{},{},{:.2},{}",
            row.epoch,
            row.step,
            row.lr,
            row.train_loss,
            cell(row.eval_top1),
            cell(row.eval_top5),
            cell(row.eval_loss),
            cell(row.ema_top1),
            row.images_per_sec,
            row.skipped_images
        );
    }
    std::fs::write(path, text).map_err(|error| TrainError::Io {
        path: path.to_path_buf(),
        message: error.to_string(),
    })
}

/// Reads rows written by [`write_csv`] (to continue a resumed run's history).
pub fn read_csv(path: &Path) -> Vec<EpochMetrics> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let number = |field: &str| field.parse::<f64>().ok();
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            if f.len() != 10 {
                return None;
            }
            Some(EpochMetrics {
                epoch: f[0].parse().ok()?,
                step: f[1].parse().ok()?,
                lr: number(f[2])?,
                train_loss: number(f[3])?,
                eval_top1: number(f[4]),
                eval_top5: number(f[5]),
                eval_loss: number(f[6]),
                ema_top1: number(f[7]),
                images_per_sec: number(f[8])?,
                skipped_images: f[9].parse().ok()?,
            })
        })
        .collect()
}

/// Draws training loss, evaluation loss and top-1 (raw and EMA) against epochs as an SVG.
/// (Written by hand: a plotting crate would need font files to lay out its labels.)
pub fn write_svg(path: &Path, rows: &[EpochMetrics]) -> Result<(), TrainError> {
    const W: f64 = 720.0;
    const H: f64 = 360.0;
    const PAD: f64 = 48.0;
    let epochs = rows.len().max(1) as f64;
    let max_loss = rows
        .iter()
        .flat_map(|r| [Some(r.train_loss), r.eval_loss])
        .flatten()
        .fold(1e-9, f64::max);
    let x = |epoch: usize| PAD + (epoch as f64 - 1.0) / (epochs - 1.0).max(1.0) * (W - 2.0 * PAD);
    let y = |value: f64, top: f64| H - PAD - value / top * (H - 2.0 * PAD);
    let series = |values: Vec<(usize, f64)>, top: f64, color: &str, label: &str, row: usize| {
        let points: Vec<String> = values
            .iter()
            .map(|&(e, v)| format!("{:.1},{:.1}", x(e), y(v, top)))
            .collect();
        format!(
            "<polyline fill='none' stroke='{color}' stroke-width='2' points='{}'/>\
             <text x='{}' y='{}' fill='{color}' font-size='12' font-family='sans-serif'>{label}</text>",
            points.join(" "),
            W - PAD - 150.0,
            PAD + 14.0 * row as f64
        )
    };
    let pick = |f: &dyn Fn(&EpochMetrics) -> Option<f64>| -> Vec<(usize, f64)> {
        rows.iter()
            .filter_map(|r| f(r).map(|v| (r.epoch, v)))
            .collect()
    };
    let mut svg = format!(
        "<svg xmlns='http://www.w3.org/2000/svg' width='{W}' height='{H}'>\
         <rect width='100%' height='100%' fill='white'/>\
         <line x1='{PAD}' y1='{}' x2='{}' y2='{}' stroke='black'/>\
         <line x1='{PAD}' y1='{PAD}' x2='{PAD}' y2='{}' stroke='black'/>\
         <text x='{}' y='{}' font-size='12' font-family='sans-serif'>epoch (1 to {})</text>\
         <text x='4' y='{}' font-size='12' font-family='sans-serif'>loss 0 to {max_loss:.3}; top-1 0 to 1</text>",
        H - PAD,
        W - PAD,
        H - PAD,
        H - PAD,
        W / 2.0 - 40.0,
        H - 12.0,
        rows.len(),
        PAD - 16.0,
    );
    svg.push_str(&series(
        pick(&|r| Some(r.train_loss)),
        max_loss,
        "#1f77b4",
        "train loss",
        0,
    ));
    svg.push_str(&series(
        pick(&|r| r.eval_loss),
        max_loss,
        "#ff7f0e",
        "eval loss",
        1,
    ));
    svg.push_str(&series(
        pick(&|r| r.eval_top1),
        1.0,
        "#2ca02c",
        "eval top-1",
        2,
    ));
    svg.push_str(&series(
        pick(&|r| r.ema_top1),
        1.0,
        "#9467bd",
        "EMA top-1",
        3,
    ));
    svg.push_str("</svg>\n");
    std::fs::write(path, svg).map_err(|error| TrainError::Io {
        path: path.to_path_buf(),
        message: error.to_string(),
    })
}
