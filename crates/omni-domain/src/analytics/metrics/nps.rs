//! Net Promoter Score from post-purchase survey answers, overall and by channel: "high
//! NPS" is one of the chain's stated goals, and the channel split shows where it is lost.

use omni_kernel::Channel;
use serde::Serialize;

use super::{DayRange, channel_index};
use crate::analytics::Dataset;

/// Answers split the standard way: promoters 9–10, passives 7–8, detractors 0–6.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct NpsScore {
    pub responses: u64,
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
}

impl NpsScore {
    fn add(&mut self, score: u8) {
        self.responses += 1;
        match score {
            9.. => self.promoters += 1,
            7 | 8 => self.passives += 1,
            _ => self.detractors += 1,
        }
    }

    /// `100 · (promoters − detractors) / responses`, from −100 to 100; `None` without answers.
    pub fn nps(&self) -> Option<f64> {
        (self.responses > 0).then(|| {
            100.0 * (self.promoters as f64 - self.detractors as f64) / self.responses as f64
        })
    }
}

/// NPS of one channel (the channel of the purchase the survey followed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ChannelNps {
    pub channel: Channel,
    pub score: NpsScore,
}

/// NPS of a period, overall and for every channel with answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NpsReport {
    pub range: DayRange,
    pub overall: NpsScore,
    /// In [`Channel::ALL`] order.
    pub by_channel: Vec<ChannelNps>,
    /// Answers outside 0–10, left out of every score.
    pub invalid: u64,
}

/// NPS over the survey answers whose day is in `range`.
pub fn nps(ds: &Dataset, range: DayRange) -> NpsReport {
    let mut overall = NpsScore::default();
    let mut by_channel = [NpsScore::default(); 8];
    let mut invalid = 0;
    for a in ds.surveys.iter().filter(|a| range.contains(a.day)) {
        if a.score > 10 {
            invalid += 1;
            continue;
        }
        overall.add(a.score);
        by_channel[channel_index(a.channel)].add(a.score);
    }
    NpsReport {
        range,
        overall,
        by_channel: Channel::ALL
            .iter()
            .zip(by_channel)
            .filter(|(_, s)| s.responses > 0)
            .map(|(&channel, score)| ChannelNps { channel, score })
            .collect(),
        invalid,
    }
}
